// Package syncer transfers one record: fetch → normalize → filter → decide
// Add or Update → map → validate → observe → write → link. It holds no
// Kubernetes code, so the controllers, the webhook receiver and the
// benchmarks all drive the same path.
package syncer

import (
	"context"
	"errors"
	"fmt"
	"time"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/customer"
	"github.com/customersync/customer-sync-operator/internal/mapping"
)

// Syncer moves records of one mapping. It is safe for concurrent use: the
// program is immutable and the connectors are concurrency-safe.
type Syncer struct {
	Program           *mapping.Program
	SourceSystem      v1alpha1.SystemType
	DestinationSystem v1alpha1.SystemType
	Source            connector.Source
	Destination       connector.Destination
	// Collision says what to do with an unlinked destination record that
	// has the same CustomerNumber; default UpdateAndLink.
	Collision v1alpha1.CollisionHandling
	// Enrichment is set when the destination is OpenAI.
	Enrichment *Enrichment
	// Target identifies the destination (system and endpoint), so that
	// transfers of one record to one destination never run at once.
	Target string
}

// Options are a sync request's per-run choices.
type Options struct {
	Operation v1alpha1.Operation
	DryRun    bool
}

// Outcome is what happened to one record. It carries ids, reasons and field
// names, never the customer's payload, except the dry run's field changes
// the user asked to see.
type Outcome struct {
	ID            string
	Action        v1alpha1.RecordAction
	DestinationID string
	Reason        string
	Message       string
	Changes       []mapping.Change
	// Transient is true for a failure that a later attempt may pass
	// (rate limits, server errors, timeouts); RetryAfter is the server's
	// hint, if any.
	Transient  bool
	RetryAfter time.Duration
	// Usage is the model calls and tokens the record cost (OpenAI only).
	Usage *Usage
}

// Failed reports whether the outcome is a failure, transient or not.
func (o Outcome) Failed() bool {
	return o.Action == v1alpha1.ActionFailed || o.Action == v1alpha1.ActionRetrying
}

// Sync transfers one record. It never returns an error: every failure is
// an Outcome with a reason, so that one bad record cannot stop the others.
func (s *Syncer) Sync(ctx context.Context, id string, opts Options) Outcome {
	defer recordLocks.lock(s.Target + "\x00" + id)()
	if s.Enrichment != nil {
		return s.enrich(ctx, id, opts)
	}
	out := Outcome{ID: id}
	src, err := s.Source.Fetch(ctx, id)
	if err != nil {
		return out.fail(stageFetch, err)
	}
	if err := mapping.NormalizeSource(s.SourceSystem, src); err != nil {
		return out.fail(stageMap, err)
	}
	in := mapping.Input{Source: src}
	if skip, msg, err := s.Program.Filter(in); err != nil {
		return out.fail(stageMap, err)
	} else if skip {
		out.Action, out.Reason, out.Message = v1alpha1.ActionSkipped, v1alpha1.ReasonFilteredOut, msg
		return out
	}

	current, linked, added, err := s.observe(ctx, id, in)
	if err != nil {
		return out.fail(stageObserve, err)
	}
	set, err := decide(current, opts.Operation)
	if err != nil {
		return out.fail(stageObserve, err)
	}
	if current != nil {
		in.Destination = current.Raw
		out.DestinationID = current.ID
	}
	var mapped mapping.Result
	if current == nil && added != nil {
		mapped = *added // a new record: observe mapped it with the Add rules already
	} else if mapped, err = s.Program.Map(in, set); err != nil {
		return out.fail(stageMap, err)
	}
	if err := mapping.Validate(s.DestinationSystem, mapped.Payload, set); err != nil {
		return out.fail(stageMap, err)
	}
	return s.write(ctx, out, id, current, linked, mapped.Payload, opts)
}

// observe finds the destination record this source record maps to: by the
// external-id link first, then by CustomerNumber. linked is false when the
// record was found by its number and still needs its link. A match by number
// is taken according to the collision handling; with Error, a match whose
// fields already equal what Add would write is our own record, created by an
// attempt that stopped before linking, and is adopted rather than refused.
// When no record is linked, added is the record mapped with the Add rules,
// for Sync to reuse.
func (s *Syncer) observe(ctx context.Context, id string, in mapping.Input) (current *customer.Record, linked bool, added *mapping.Result, err error) {
	rec, err := s.Destination.FindByLink(ctx, id)
	switch {
	case err == nil:
		return rec, true, nil, nil
	case !errors.Is(err, connector.ErrNotFound) && !errors.Is(err, connector.ErrUnsupported):
		return nil, false, nil, err
	}
	add, err := s.Program.Map(in, mapping.Add)
	if err != nil {
		return nil, false, nil, err
	}
	number, _ := add.Payload.Fields[string(v1alpha1.FieldCustomerNumber)].(string)
	if number == "" {
		return nil, false, &add, nil // Validate reports the missing number
	}
	matches, err := s.Destination.FindByNaturalKey(ctx, connector.NaturalKey{Field: connector.KeyCustomerNumber, Value: number})
	switch {
	case errors.Is(err, connector.ErrUnsupported):
		return nil, false, &add, nil
	case err != nil:
		return nil, false, nil, err
	case len(matches) == 0:
		return nil, false, &add, nil
	case len(matches) > 1:
		return nil, false, nil, &mapping.RecordError{Reason: v1alpha1.ReasonCollision, Field: "CustomerNumber",
			Message: fmt.Sprintf("%d destination customers share CustomerNumber %q; merge or renumber them, then sync again", len(matches), number)}
	}
	match := matches[0]
	if s.Collision == v1alpha1.CollisionError && len(mapping.Diff(add.Payload, match)) > 0 {
		return nil, false, nil, &mapping.RecordError{Reason: v1alpha1.ReasonCollision, Field: "CustomerNumber",
			Message: fmt.Sprintf("destination customer %s already has CustomerNumber %q but is not linked to this record; "+
				"link it, or set spec.collisionHandling to UpdateAndLink or LinkOnly", match.ID, number)}
	}
	return match, false, nil, nil
}

// decide picks the rule set from whether a destination record exists.
func decide(current *customer.Record, op v1alpha1.Operation) (mapping.RuleSet, error) {
	switch {
	case op == v1alpha1.OperationAdd && current != nil:
		return "", &mapping.RecordError{Reason: v1alpha1.ReasonCollision,
			Message: fmt.Sprintf("operation is Add but destination customer %s already exists; use operation Auto or Update", current.ID)}
	case op == v1alpha1.OperationUpdate && current == nil:
		return "", &mapping.RecordError{Reason: v1alpha1.ReasonDestinationRejected,
			Message: "operation is Update but the destination has no customer for this record; use operation Auto or Add"}
	case current == nil:
		return mapping.Add, nil
	default:
		return mapping.Update, nil
	}
}

// write applies the payload unless it changes nothing, and links a record
// found by its number. After a create the link is written at once, so that
// a retry finds the record by its link instead of creating it again.
func (s *Syncer) write(ctx context.Context, out Outcome, id string, current *customer.Record, linked bool, p customer.Payload, opts Options) Outcome {
	if current == nil {
		out.Changes = mapping.Diff(p, nil)
		if opts.DryRun {
			out.Action = v1alpha1.ActionWouldCreate
			return out
		}
		created, err := s.Destination.Create(ctx, p)
		if created != nil {
			out.DestinationID = created.ID
			if lerr := s.Destination.Link(ctx, created.ID, id); lerr != nil && err == nil {
				err = lerr
			}
		}
		if err != nil {
			return out.fail(stageWrite, err)
		}
		out.Action, out.Changes = v1alpha1.ActionCreated, nil
		return out
	}

	out.Changes = mapping.Diff(p, current)
	linkOnly := !linked && s.Collision == v1alpha1.CollisionLinkOnly
	if opts.DryRun {
		switch {
		case len(out.Changes) == 0 || linkOnly:
			out.Action, out.Changes = v1alpha1.ActionUnchanged, nil
			if !linked {
				out.Action = v1alpha1.ActionLinked
			}
		default:
			out.Action = v1alpha1.ActionWouldUpdate
		}
		return out
	}
	action := v1alpha1.ActionUnchanged
	if len(out.Changes) > 0 && !linkOnly {
		if _, err := s.Destination.Update(ctx, current.ID, p); err != nil {
			return out.fail(stageWrite, err)
		}
		action = v1alpha1.ActionUpdated
	}
	if !linked {
		if err := s.Destination.Link(ctx, current.ID, id); err != nil {
			return out.fail(stageWrite, err)
		}
		if action == v1alpha1.ActionUnchanged {
			action = v1alpha1.ActionLinked
		}
	}
	out.Action, out.Changes = action, nil
	return out
}
