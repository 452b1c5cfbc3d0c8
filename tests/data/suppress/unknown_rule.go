package main

import (
	"os"
	"os/signal"
)

func main() {
	stop := make(chan os.Signal)
	signal.Notify(stop, os.Interrupt) //golint-guard:ignore signal-unbufered typo in the id
	<-stop
}
