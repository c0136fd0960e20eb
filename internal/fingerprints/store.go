// Package fingerprints keeps the enrich flow's loop guard in Kubernetes
// when iPaaS.com has no custom field for it: per customer, the fingerprint
// of what was last sent to the model, in a fixed set of ConfigMaps owned by
// the mapping (so they go when it goes). Customers are spread over the
// ConfigMaps by a hash of their id; each ConfigMap is read once and then
// kept in memory, since only the leader writes them.
package fingerprints

import (
	"context"
	"encoding/base32"
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Shards is how many ConfigMaps a mapping's fingerprints spread over. At
// about 90 bytes per customer and 1 MiB per ConfigMap, they hold some
// 300,000 customers; it must never change, or every customer would be
// sent again.
const Shards = 32

// maxShardBytes keeps a ConfigMap below the API server's 1 MiB limit.
const maxShardBytes = 1000 << 10

// Label marks the ConfigMaps; its value is the mapping's name.
const Label = "customersync.io/fingerprints-of"

// Store is one mapping's fingerprints. It is safe for concurrent use.
type Store struct {
	c         client.Client // writes
	reader    client.Reader // uncached reads
	namespace string
	mapping   string
	owner     metav1.OwnerReference

	shards [Shards]shard
}

type shard struct {
	mu     sync.Mutex
	loaded bool
	cm     *corev1.ConfigMap // nil: not created yet
}

// New returns the store of the mapping; it reads nothing until used.
func New(c client.Client, reader client.Reader, namespace, mapping string, owner metav1.OwnerReference) *Store {
	return &Store{c: c, reader: reader, namespace: namespace, mapping: mapping, owner: owner}
}

// Where names the ConfigMaps, for the mapping's condition.
func (s *Store) Where() string {
	return fmt.Sprintf("%d ConfigMaps %s-00 to -%02d labelled %s=%s", Shards, s.prefix(), Shards-1, Label, s.mapping)
}

func (s *Store) prefix() string {
	p := s.mapping
	if len(p) > 200 {
		p = p[:200]
	}
	return p + "-fingerprints"
}

// Get returns the customer's fingerprint, "" when none is stored.
func (s *Store) Get(ctx context.Context, id string) (string, error) {
	i, key := s.locate(id)
	sh := &s.shards[i]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if err := s.load(ctx, i); err != nil {
		return "", err
	}
	if sh.cm == nil {
		return "", nil
	}
	return sh.cm.Data[key], nil
}

// Put stores the customer's fingerprint: one write of its ConfigMap,
// created on first use. A conflict (someone else changed it) reads it again
// and retries.
func (s *Store) Put(ctx context.Context, id, fp string) error {
	i, key := s.locate(id)
	sh := &s.shards[i]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	var err error
	for range 5 {
		if err = s.load(ctx, i); err != nil {
			return err
		}
		if sh.cm == nil {
			cm := s.newShard(i)
			cm.Data = map[string]string{key: fp}
			if err = s.c.Create(ctx, cm); err == nil {
				sh.cm = cm
				return nil
			}
		} else {
			if sh.cm.Data[key] == fp {
				return nil
			}
			if sh.cm.Data == nil {
				sh.cm.Data = map[string]string{}
			}
			old, had := sh.cm.Data[key]
			sh.cm.Data[key] = fp
			if size(sh.cm) > maxShardBytes {
				err = fmt.Errorf("ConfigMap %s/%s is full; define the fingerprint custom field in iPaaS.com to keep fingerprints on the customers", s.namespace, sh.cm.Name)
			} else if err = s.c.Update(ctx, sh.cm); err == nil {
				return nil
			}
			if had { // the write failed: memory says what the API server has
				sh.cm.Data[key] = old
			} else {
				delete(sh.cm.Data, key)
			}
			if !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
				return err
			}
		}
		if !apierrors.IsConflict(err) && !apierrors.IsAlreadyExists(err) && !apierrors.IsNotFound(err) {
			return err
		}
		sh.loaded = false // changed or deleted by someone else: read it again
	}
	return err
}

func (s *Store) load(ctx context.Context, i int) error {
	sh := &s.shards[i]
	if sh.loaded {
		return nil
	}
	cm := &corev1.ConfigMap{}
	err := s.reader.Get(ctx, types.NamespacedName{Namespace: s.namespace, Name: s.name(i)}, cm)
	switch {
	case apierrors.IsNotFound(err):
		sh.cm = nil
	case err != nil:
		return err
	default:
		sh.cm = cm
	}
	sh.loaded = true
	return nil
}

func (s *Store) name(i int) string { return fmt.Sprintf("%s-%02d", s.prefix(), i) }

func (s *Store) newShard(i int) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
		Name: s.name(i), Namespace: s.namespace,
		Labels:          map[string]string{Label: labelValue(s.mapping)},
		OwnerReferences: []metav1.OwnerReference{s.owner},
	}}
}

// plainKey is an id that is a valid ConfigMap key as it is; others are
// encoded, behind a dot that no plain key starts with.
var plainKey = regexp.MustCompile(`^[A-Za-z0-9][-_A-Za-z0-9]{0,199}$`)

var keyEncoding = base32.HexEncoding.WithPadding(base32.NoPadding)

// locate returns the shard and the key of an id.
func (s *Store) locate(id string) (int, string) {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	key := id
	if !plainKey.MatchString(id) {
		key = "." + keyEncoding.EncodeToString([]byte(id))
	}
	return int(h.Sum32() % Shards), key
}

func size(cm *corev1.ConfigMap) int {
	n := 0
	for k, v := range cm.Data {
		n += len(k) + len(v) + 8
	}
	return n
}

// labelValue fits a mapping name into a label value (63 characters).
func labelValue(name string) string {
	if len(name) > 63 {
		return strings.TrimRight(name[:63], "-_.")
	}
	return name
}
