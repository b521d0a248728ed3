// Command kube-apiserver runs the upstream Kubernetes API server, built from the
// k8s.io/kubernetes Go module for tekpy's real-API test tier (see hack/realapi.sh).
package main

import (
	"os"
	_ "time/tzdata" // CronJob time zones need the embedded zone database.

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
