package c

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

var (
	ErrNotFound = errors.New("not found")
	errClosed   = fmt.Errorf("closed: %w", ErrNotFound)
	ErrTyped    error = nil
	notAnError  = 5
	DefaultStore = &Store{}
)

const (
	KindA Kind = iota
	KindB
)

type Kind int

// C dials: the root of the chain.
func C() {
	conn, err := net.Dial("tcp", "example.com:80")
	if err == nil {
		conn.Close()
	}
}

type Guarded struct {
	mu sync.Mutex
	n  int
}

type Store struct {
	mu   sync.RWMutex
	path string
	data []byte
}

// Save calls flush.
func (s *Store) Save() error {
	return s.flush()
}

func (s *Store) flush() error {
	return os.WriteFile(s.path, s.data, 0o600)
}

type Conn struct{ c net.Conn }

func (c *Conn) Touch() {}

func (c *Conn) Ping() {
	c.c.Write([]byte("ping"))
}

// Spawn only blocks inside a goroutine.
func Spawn() {
	go func() {
		time.Sleep(time.Second)
	}()
}

// SpawnNamed starts a blocking function in a goroutine.
func SpawnNamed() {
	go C()
}

// TrySend never blocks: the select has a default.
func TrySend(ch chan int) bool {
	select {
	case ch <- 1:
		return true
	default:
		return false
	}
}

// Send blocks.
func Send(ch chan<- int) {
	ch <- 1
}

// Recv blocks.
func Recv(ch <-chan int) int {
	return <-ch
}

// Wait blocks in a select without default.
func Wait(a, b chan int) {
	select {
	case <-a:
	case <-b:
	}
}

// Drain ranges over its channel.
func Drain(ch chan int) {
	for range ch {
	}
	for v := range ch {
		_ = v
	}
}

// Immediate calls a literal on the spot: it blocks.
func Immediate() {
	func() {
		time.Sleep(1)
	}()
}

// Deferred blocks at return.
func Deferred() {
	defer func() {
		time.Sleep(1)
	}()
}

// Callback passes a literal on: it does not block here.
func Callback(run func(func())) {
	run(func() {
		time.Sleep(1)
	})
}

// Waits on a WaitGroup declared locally.
func Waits() {
	var wg sync.WaitGroup
	wg.Wait()
}

// Cond waits release the lock: not blocking.
func CondWait(c *sync.Cond) {
	c.Wait()
}

// Pure does nothing that blocks.
func Pure(a, b int) (n int, err error) {
	return a + b, nil
}

// Produce closes its parameter in a goroutine.
func Produce(out chan int) {
	go func() {
		defer close(out)
		out <- 1
	}()
}

// Relay closes its second parameter through produce.
func Relay(in chan int, out chan int) {
	go Produce(out)
	_ = in
}

// KeepsOpen closes nothing.
func KeepsOpen(ch chan int) {
	ch <- 1
}

// Shadowed: a local named like a parameter is not the parameter.
func Shadowed(ch chan int) {
	func(ch chan int) {
		_ = ch
	}(make(chan int))
}

// Cmd runs a command built locally.
func Cmd() error {
	return runIt()
}
