package svc

import (
	"os"
	"os/signal"
)

func main() {
	c := make(chan os.Signal)
	signal.Notify(c)
	<-c
}

func other() {
	d := make(chan os.Signal)
	signal.Notify(d)
	<-d
}
