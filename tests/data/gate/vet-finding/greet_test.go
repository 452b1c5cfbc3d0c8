package greet

import "testing"

func TestGreeting(t *testing.T) {
	if Greeting("gopher") == "" {
		t.Fatal("empty greeting")
	}
}
