package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
)

// cacheVersion changes when what a cache entry means changes; entries of
// another version are measured again.
const cacheVersion = 3

// A cache maps keys to measurements in one JSON file, so that a second run
// on unchanged images does not measure them again. The keys are content
// addresses (image IDs, layer diff IDs), so an entry can never go stale:
// a rebuilt image has a new ID. A missing, unreadable or outdated file is an
// empty cache. It is safe for concurrent use.
type cache[T any] struct {
	path    string
	mu      sync.Mutex
	entries map[string]T
}

type cacheFile[T any] struct {
	Version int          `json:"version"`
	Entries map[string]T `json:"entries"`
}

// openCache loads the cache file at path.
func openCache[T any](path string) *cache[T] {
	c := &cache[T]{path: path, entries: map[string]T{}}
	b, err := os.ReadFile(path)
	if err != nil {
		return c
	}
	var f cacheFile[T]
	if json.Unmarshal(b, &f) == nil && f.Version == cacheVersion && f.Entries != nil {
		c.entries = f.Entries
	}
	return c
}

func (c *cache[T]) get(key string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.entries[key]
	return v, ok
}

// put records an entry and saves the file, so that an interrupted run keeps
// what it measured.
func (c *cache[T]) put(key string, v T) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = v
	b, err := json.MarshalIndent(cacheFile[T]{cacheVersion, c.entries}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return err
	}
	return writeFileAtomic(c.path, append(b, '\n'))
}
