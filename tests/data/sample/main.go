// Package main is a small service used by golint-guard's reporter tests.
package main

import (
	"fmt"
	"os"
	"os/signal"
)

func main() {
	stop := make(chan os.Signal)
	signal.Notify(stop, os.Interrupt)
	<-stop
	fmt.Println("arrêt demandé")
}

// The call sits after non-ASCII text, so byte and UTF-16 columns differ.
func waitForSignal() {
	done := make(chan os.Signal)
	/* café ☕ 😀 */ signal.Notify(done)
	<-done
}
