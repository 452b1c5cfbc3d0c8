package notify

import (
	"os"
	"os/signal"
)

func Listen() {
	events := make(chan os.Signal)
	signal.Notify(events, os.Interrupt)
	for range events {
	}
}
