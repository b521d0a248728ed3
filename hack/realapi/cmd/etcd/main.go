// Command etcd runs the etcd server at the version k8s.io/kubernetes itself depends on,
// so the real-API test tier needs no system etcd package.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
