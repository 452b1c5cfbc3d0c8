// Package greet has one `go vet` finding (printf): the gate's vet-finding fixture.
package greet

import "fmt"

// Greeting formats a greeting for name.
func Greeting(name string) string {
	return fmt.Sprintf("hello %d", name)
}
