package locks

import (
	gosync "sync"

	"example.com/facts/c"
)

type ByValue struct {
	mu gosync.Mutex
}

type Embedded struct {
	gosync.RWMutex
	n int
}

type EmbeddedPointer struct {
	*gosync.Mutex
}

type Pointer struct {
	mu *gosync.Mutex
}

type Through struct {
	name  string
	inner ByValue
}

type ThroughPointer struct {
	inner *ByValue
}

type ThroughOtherPackage struct {
	store c.Store
}

type Array struct {
	shards [4]gosync.Mutex
}

type Slice struct {
	shards []gosync.Mutex
}

type Anonymous struct {
	state struct {
		wg gosync.WaitGroup
	}
}

type Named gosync.Mutex

type ThroughNamed struct {
	n Named
}

type Once struct {
	once gosync.Once
}

type Generic[T any] struct {
	mu    gosync.Mutex
	value T
}

type None struct {
	a, b int
	f    func()
}
