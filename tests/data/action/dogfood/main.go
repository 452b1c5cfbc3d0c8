// The module ci.yml's dogfood job runs the Action on: exactly one finding, an error.
package main

import (
	"fmt"
	"os"
	"os/signal"
)

func main() {
	interrupted := make(chan os.Signal)
	signal.Notify(interrupted, os.Interrupt)
	<-interrupted
	fmt.Println("stopping")
}
