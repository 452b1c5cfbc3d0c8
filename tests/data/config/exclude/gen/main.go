package main

import (
	"os"
	"os/signal"
)

func main() {
	stop := make(chan os.Signal)
	signal.Notify(stop, os.Interrupt)
	<-stop
}
