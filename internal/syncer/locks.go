package syncer

import "sync"

// recordLocks serialises transfers of the same source record to the same
// destination within the process. Two requests that name one customer at
// once (a webhook burst and a poll, say) would otherwise both find no link,
// both find no CustomerNumber match, and both create it. One process is
// enough: with leader election only one operator replica syncs.
var recordLocks keyedMutex

// keyedMutex is a set of mutexes created on demand and dropped when free.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	sync.Mutex
	waiters int
}

// lock takes the key's mutex and returns its unlock function.
func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.waiters++
	k.mu.Unlock()

	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.waiters--; l.waiters == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
