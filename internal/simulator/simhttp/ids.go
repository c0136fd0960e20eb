package simhttp

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sync"
)

// IDGen makes reproducible ids: the same seed yields the same sequence, so seeded data and
// generated records are identical from run to run.
type IDGen struct {
	mu  sync.Mutex
	rng *rand.Rand
}

// NewIDGen returns a generator seeded with seed.
func NewIDGen(seed uint64) *IDGen {
	return &IDGen{rng: rand.New(rand.NewPCG(seed, seed^0xda3e39cb94b95bdb))}
}

// Hex returns n random bytes as 2n lowercase hex digits.
func (g *IDGen) Hex(n int) string {
	b := make([]byte, n)
	g.mu.Lock()
	for i := range b {
		b[i] = byte(g.rng.Uint32())
	}
	g.mu.Unlock()
	return hex.EncodeToString(b)
}

// Prefixed returns prefix plus 18 lowercase hex digits, the 99minds id format.
func (g *IDGen) Prefixed(prefix string) string { return prefix + g.Hex(9) }

// UUID returns a random (version 4 layout) UUID string from the seeded stream.
func (g *IDGen) UUID() string {
	h := g.Hex(16)
	b := []byte(h)
	b[12] = '4'
	return fmt.Sprintf("%s-%s-%s-%s-%s", b[0:8], b[8:12], b[12:16], b[16:20], b[20:32])
}
