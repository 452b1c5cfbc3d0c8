package main

import (
	"os"
	"os/signal"
)

// main waits for one signal.
//
//nolint:govet // golangci-lint name for the same check
func main() {
	stop := make(chan os.Signal)
	signal.Notify(stop, os.Interrupt)
	<-stop
}
