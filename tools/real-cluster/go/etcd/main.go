// Command etcd runs etcd's own entry point (the same one the upstream etcd binary calls).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
