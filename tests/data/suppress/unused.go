package main

import (
	"os"
	"os/signal"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt) //golint-guard:ignore signal-unbuffered the channel used to be unbuffered
	<-stop
}
