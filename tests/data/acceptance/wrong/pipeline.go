package orders

// pendingIDs collects order IDs from a producer goroutine that never closes its channel, so the
// range never ends and the caller hangs.
func pendingIDs(orders []Order) []string {
	ids := make(chan string)
	go func() {
		for _, order := range orders {
			ids <- order.ID
		}
	}()
	var out []string
	for id := range ids { // expect: channel-never-closed
		out = append(out, id)
	}
	return out
}

// handOff sends on one unbuffered channel and then waits on another in the same goroutine:
// nobody can receive the first send, so it blocks forever.
func handOff() int {
	ch1 := make(chan int)
	ch2 := make(chan int)
	ch1 <- 1 // expect: unbuffered-self-deadlock
	return <-ch2
}
