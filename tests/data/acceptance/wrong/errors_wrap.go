package orders

import (
	"fmt"
	"net"
	"net/http"
	"os"
)

type User struct{ ID string }

func lookupUser(id string) (User, error) {
	if id == "" {
		return User{}, fmt.Errorf("empty id")
	}
	return User{ID: id}, nil
}

// LoadUser formats the lookup error with %v: callers can no longer match it.
func LoadUser(id string) (User, error) {
	user, err := lookupUser(id)
	if err != nil {
		return User{}, fmt.Errorf("load user %s: %v", id, err) // expect: error-wrap-verb
	}
	return user, nil
}

// ConfigExists compares with == after os.Stat, whose error is a *PathError: never equal.
func ConfigExists(path string) (bool, error) {
	_, err := os.Stat(path)
	if err == os.ErrNotExist { // expect: error-compare
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat config: %w", err)
	}
	return true, nil
}

// ServeOrders stops on a closed server: ErrServerClosed comes straight from Serve.
func ServeOrders(srv *http.Server, lis net.Listener) error {
	if err := srv.Serve(lis); err != http.ErrServerClosed {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
