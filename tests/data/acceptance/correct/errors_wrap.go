package orders

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
)

type User struct{ ID string }

func lookupUser(id string) (User, error) {
	if id == "" {
		return User{}, errors.New("empty id")
	}
	return User{ID: id}, nil
}

func LoadUser(id string) (User, error) {
	user, err := lookupUser(id)
	if err != nil {
		return User{}, fmt.Errorf("failed to process: %w", err)
	}
	return user, nil
}

func ConfigExists(path string) (bool, error) {
	_, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat config: %w", err)
	}
	return true, nil
}

func ServeOrders(srv *http.Server, lis net.Listener) error {
	if err := srv.Serve(lis); err != http.ErrServerClosed {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
