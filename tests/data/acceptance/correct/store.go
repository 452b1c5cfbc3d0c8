package orders

import (
	"database/sql"
	"fmt"
	"sync"
	"time"
)

type Store struct {
	mu    sync.Mutex
	db    *sql.DB
	cache map[string]Order
}

// Refresh does the I/O before taking the lock; only the map update is inside it.
func (s *Store) Refresh(id string) error {
	data, err := s.readFromDatabase(id)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cache[id] = data
	return nil
}

func (s *Store) readFromDatabase(id string) (Order, error) {
	var order Order
	row := s.db.QueryRow("SELECT id FROM orders WHERE id = $1", id)
	if err := row.Scan(&order.ID); err != nil {
		return Order{}, fmt.Errorf("read order %s: %w", id, err)
	}
	return order, nil
}

// Breaker is a circuit breaker: its state lives under a mutex, and no I/O happens while held.
type Breaker struct {
	mu        sync.Mutex
	failures  int
	threshold int
	openUntil time.Time
}

func (b *Breaker) Call(fn func() error) error {
	b.mu.Lock()
	if time.Now().Before(b.openUntil) {
		b.mu.Unlock()
		return fmt.Errorf("circuit open")
	}
	b.mu.Unlock()

	err := fn()

	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		b.failures++
		if b.failures >= b.threshold {
			b.openUntil = time.Now().Add(30 * time.Second)
		}
		return err
	}
	b.failures = 0
	return nil
}

// SafeMap is a generic map under an RWMutex.
type SafeMap[K comparable, V any] struct {
	mu sync.RWMutex
	m  map[K]V
}

func (s *SafeMap[K, V]) Get(key K) (V, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	value, ok := s.m[key]
	return value, ok
}

func (s *SafeMap[K, V]) Set(key K, value V) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = value
}
