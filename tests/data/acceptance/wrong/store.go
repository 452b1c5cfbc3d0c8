package orders

import (
	"database/sql"
	"fmt"
	"sync"
)

type Store struct {
	mu    sync.Mutex
	db    *sql.DB
	cache map[string]Order
}

// Refresh holds the cache lock while it queries the database: every reader of the cache waits
// for the database.
func (s *Store) Refresh(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := s.readFromDatabase(id) // expect: lock-across-io
	if err != nil {
		return err
	}
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

// Hits races: the goroutine writes the counter while the caller reads it.
func Hits(orders []Order) int {
	counter := 0
	go func() {
		counter++ // expect: goroutine-shared-write
	}()
	return counter + len(orders)
}

// Notify prints each order from a goroutine that captures the range variable (Go 1.21 shares
// one variable across iterations).
func Notify(orders []Order) {
	for _, val := range orders {
		go func() {
			fmt.Println(val) // expect: loop-var-capture
		}()
	}
}
