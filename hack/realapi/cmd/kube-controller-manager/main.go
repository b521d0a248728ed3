// Command kube-controller-manager runs the upstream controller manager (tekpy uses its
// garbage-collector and namespace controllers) for the real-API test tier.
package main

import (
	"os"
	_ "time/tzdata" // CronJob time zones need the embedded zone database.

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	os.Exit(cli.Run(app.NewControllerManagerCommand()))
}
