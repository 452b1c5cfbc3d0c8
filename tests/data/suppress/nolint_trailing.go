package main

import (
	"os"
	"os/signal"
)

func main() {
	stop := make(chan os.Signal)
	signal.Notify(stop, os.Interrupt) //nolint:signal-unbuffered // main exits on the first signal
	<-stop
}
