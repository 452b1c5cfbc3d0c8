package main

import (
	"os"
	"os/signal"
)

func main() {
	stop := make(chan os.Signal)
	signal.Notify(stop, os.Interrupt); _ = "//golint-guard:ignore signal-unbuffered not a comment"
	<-stop
}
