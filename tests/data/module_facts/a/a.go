// Package a is the top of the call chain A → B → C.
package a

import (
	"context"
	"sync"

	"example.com/facts/b"
	"example.com/facts/c"
	redis "github.com/redis/go-redis/v9"
)

// A blocks because b.B does.
func A() {
	b.B()
}

// Holder holds a lock through a struct of another package.
type Holder struct {
	inner c.Guarded
}

type Server struct {
	mu    sync.Mutex
	store *c.Store
	rdb   *redis.Client
	conns []*c.Conn
}

// Save blocks through a field's method: (*c.Store).Save → flush → os.WriteFile.
func (s *Server) Save() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store.Save()
}

// Lookup calls a third-party client with a context: it may block by convention.
func (s *Server) Lookup(ctx context.Context, key string) string {
	return s.rdb.Get(ctx, key).Val()
}

// Touch indexes a slice field and calls a method that does not block.
func (s *Server) Touch() {
	s.conns[0].Touch()
}

// Ping indexes a slice field and calls a method that blocks.
func (s *Server) Ping() {
	s.conns[0].Ping()
}

// Deadline derives a context: context.WithTimeout is an accessor, not a blocking call.
func Deadline(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 1)
	defer cancel()
	_ = ctx
}

// Feed hands its channel to a producer in another package, which closes it.
func Feed(out chan int) {
	c.Produce(out)
}
