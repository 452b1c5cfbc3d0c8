package main

import (
	"os"
	"os/signal"
)

//golint-guard:file-ignore signal-unbuffered this file is a demo of the bug

func main() {
	stop := make(chan os.Signal)
	signal.Notify(stop, os.Interrupt)
	<-stop
}
