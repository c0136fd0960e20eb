package syncer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/customer"
	"github.com/customersync/customer-sync-operator/internal/gopool"
	"github.com/customersync/customer-sync-operator/internal/mapping"
)

// transfer moves records from a source to a destination. The links between
// them live in whichever end keeps links (the hub, iPaaS.com): in the
// destination for 99minds → iPaaS.com, in the source for iPaaS.com →
// 99minds.
type transfer struct {
	program   *mapping.Program
	source    connector.Source
	dest      connector.Destination
	collision v1alpha1.CollisionHandling
	target    string
	// Exactly one of destLinks and sourceLinks is set when either end keeps
	// links; the destination's are preferred.
	destLinks   connector.LinkStore
	sourceLinks connector.LinkStore
	validators  []named
	quick       int
}

// named is a connection to validate and how to name it in a message.
type named struct {
	what string
	v    connector.Validator
}

func buildTransfer(in Inputs, sys mapping.Systems, prog *mapping.Program) (*transfer, error) {
	srcConn, err := connect(sys.Source, in.Spec.Source, &in.Spec, in)
	if err != nil {
		return nil, err
	}
	dstConn, err := connect(sys.Destination, in.Spec.Destination, &in.Spec, in)
	if err != nil {
		return nil, err
	}
	t := &transfer{
		program: prog, collision: in.Spec.CollisionHandling, target: target(sys.Destination, in.Spec.Destination), quick: in.QuickRetries,
		validators: []named{{"source", srcConn}, {"destination", dstConn}},
	}
	if t.collision == "" {
		t.collision = v1alpha1.CollisionUpdateAndLink
	}
	if t.source, err = as[connector.Source](sys.Source, srcConn, "Source"); err != nil {
		return nil, err
	}
	if t.dest, err = as[connector.Destination](sys.Destination, dstConn, "Destination"); err != nil {
		return nil, err
	}
	switch {
	case sys.Destination.Capabilities.FindByLink:
		t.destLinks, err = as[connector.LinkStore](sys.Destination, dstConn, "LinkStore")
	case sys.Source.Capabilities.FindByLink:
		t.sourceLinks, err = as[connector.LinkStore](sys.Source, srcConn, "LinkStore")
	}
	if err != nil {
		return nil, err
	}
	if sys.Destination.Capabilities.CustomFields && len(prog.CustomFields()) > 0 {
		t.validators = append(t.validators, named{"destination", customFieldCheck{t.dest, sys.Destination.Name, prog.CustomFields()}})
	}
	return t, nil
}

func (t *transfer) Validate(ctx context.Context) error { return validateAll(ctx, t.validators) }

func (t *transfer) Syncable() error { return nil }

func (t *transfer) List(ctx context.Context, since time.Time) ([]string, error) {
	return t.source.ListChanged(ctx, since)
}

// Sync transfers one record, retrying a brief transient failure at once.
func (t *transfer) Sync(ctx context.Context, id string, opts Options) Outcome {
	return attempt(ctx, t.target, id, t.quick, func() Outcome { return t.once(ctx, id, opts) })
}

// once is one try of a record's transfer. When the destination keeps the
// links, the link lookup needs only the source id, so it runs alongside the
// fetch: a new record then takes four sequential round trips (fetch and
// lookup, natural-key search, create, link), an update three and an
// unchanged record two.
func (t *transfer) once(ctx context.Context, id string, opts Options) Outcome {
	out := Outcome{ID: id}
	if t.destLinks != nil {
		done := make(chan linkResult, 1)
		gopool.Go(func() {
			rec, err := t.findLinked(ctx, id, nil)
			done <- linkResult{rec, err}
		})
		doc, err := t.source.Fetch(ctx, id)
		early := <-done
		if err != nil {
			return out.fail(stageFetch, err)
		}
		return t.afterFetch(ctx, out, id, doc, &early, opts)
	}
	doc, err := t.source.Fetch(ctx, id)
	if err != nil {
		return out.fail(stageFetch, err)
	}
	return t.afterFetch(ctx, out, id, doc, nil, opts)
}

// linkResult is a link lookup made alongside the fetch.
type linkResult struct {
	rec *customer.Record
	err error
}

// afterFetch is the rest of a try, from the fetched source document; early
// is the link lookup already made, nil when it is still to do.
func (t *transfer) afterFetch(ctx context.Context, out Outcome, id string, doc map[string]any, early *linkResult, opts Options) Outcome {
	if err := t.program.NormalizeSource(doc); err != nil {
		return out.fail(stageMap, err)
	}
	in := mapping.Input{Source: doc}
	if out, done := filtered(t.program, in, out); done {
		return out
	}

	obs, err := t.observe(ctx, id, doc, in, early)
	if err != nil {
		return out.fail(stageObserve, err)
	}
	set, err := obs.decide(opts.Operation)
	if err != nil {
		return out.fail(stageObserve, err)
	}
	var mapped mapping.Result
	if obs.current != nil {
		out.DestinationID = obs.current.ID
	}
	if set == mapping.Add {
		mapped = *obs.add
	} else if mapped, err = t.program.Map(mapping.Input{Source: doc, Destination: obs.current.Raw}, mapping.Update); err != nil {
		return out.fail(stageMap, err)
	}
	if err := t.program.Validate(mapped.Payload, set); err != nil {
		return out.fail(stageMap, err)
	}
	return t.write(ctx, out, id, doc, obs, mapped.Payload, opts)
}

// filtered applies the mapping's filter and error filters; done is true
// when the record ends there, skipped or failed.
func filtered(p *mapping.Program, in mapping.Input, out Outcome) (Outcome, bool) {
	skip, msg, err := p.Filter(in)
	switch {
	case err != nil:
		return out.fail(stageMap, err), true
	case skip:
		out.Action, out.Reason, out.Message = v1alpha1.ActionSkipped, v1alpha1.ReasonFilteredOut, msg
		return out, true
	}
	return out, false
}

// observation is what the destination holds for one source record.
type observation struct {
	// current is the destination record, nil when there is none.
	current *customer.Record
	// linked is true when current was found by its link; false when it was
	// found by its natural key and still needs the link.
	linked bool
	// ours is true for an unlinked record equal to what the Add rules map
	// the source to: the record an earlier attempt created and did not get
	// to link. It is completed as an Add, so that a record's final state
	// does not depend on the faults met on the way.
	ours bool
	// add is the source mapped with the Add rules, when no record is linked.
	add *mapping.Result
}

// observe finds the destination record a source record maps to: by its link
// first, then by the destination's natural key. A match by natural key is
// taken according to the collision handling, except that a match equal to
// the Add mapping is the record's own, from an attempt that stopped before
// linking, and is adopted.
func (t *transfer) observe(ctx context.Context, id string, doc map[string]any, in mapping.Input, early *linkResult) (observation, error) {
	var rec *customer.Record
	var err error
	if early != nil {
		rec, err = early.rec, early.err
	} else {
		rec, err = t.findLinked(ctx, id, doc)
	}
	if err != nil || rec != nil {
		return observation{current: rec, linked: true}, err
	}
	add, err := t.program.Map(in, mapping.Add)
	if err != nil {
		return observation{}, err
	}
	obs := observation{add: &add}
	matches, err := t.dest.FindByNaturalKey(ctx, connector.NaturalKey{SourceID: id, Payload: add.Payload})
	switch {
	case err != nil:
		return observation{}, err
	case len(matches) == 0:
		return obs, nil
	case len(matches) > 1:
		return observation{}, &customer.RecordError{Reason: v1alpha1.ReasonCollision,
			Message: fmt.Sprintf("%d destination customers match this record (%s and %s); merge them, then sync again",
				len(matches), matches[0].ID, matches[1].ID)}
	}
	obs.current = matches[0]
	obs.ours = len(mapping.Diff(add.Payload, obs.current)) == 0
	if t.collision == v1alpha1.CollisionError && !obs.ours {
		return observation{}, &customer.RecordError{Reason: v1alpha1.ReasonCollision,
			Message: fmt.Sprintf("destination customer %s matches this record but is not linked to it; "+
				"link it, or set spec.collisionHandling to UpdateAndLink or LinkOnly", obs.current.ID)}
	}
	return obs, nil
}

// findLinked returns the destination record linked to the source record, or
// nil when none is (or the linked record is gone).
func (t *transfer) findLinked(ctx context.Context, id string, doc map[string]any) (*customer.Record, error) {
	var rec *customer.Record
	var err error
	switch {
	case t.destLinks != nil:
		rec, err = t.destLinks.FindByLink(ctx, id)
	case t.sourceLinks != nil:
		linked := t.sourceLinks.LinkedID(doc)
		if linked == "" {
			return nil, nil
		}
		rec, err = t.dest.Get(ctx, linked)
	default:
		return nil, nil
	}
	if errors.Is(err, connector.ErrNotFound) {
		return nil, nil
	}
	return rec, err
}

// link records that the destination record destID is the source record's.
func (t *transfer) link(ctx context.Context, id, destID string) error {
	switch {
	case t.destLinks != nil:
		return t.destLinks.Link(ctx, destID, id)
	case t.sourceLinks != nil:
		return t.sourceLinks.Link(ctx, id, destID)
	}
	return nil
}

// decide picks the rule set: Add for a new record and for one of ours,
// Update for an existing one.
func (o observation) decide(op v1alpha1.Operation) (mapping.RuleSet, error) {
	switch {
	case o.current == nil && op == v1alpha1.OperationUpdate:
		return "", &customer.RecordError{Reason: v1alpha1.ReasonDestinationRejected,
			Message: "operation is Update but the destination has no customer for this record; use operation Auto or Add"}
	case o.current == nil || o.ours:
		return mapping.Add, nil
	case op == v1alpha1.OperationAdd:
		return "", &customer.RecordError{Reason: v1alpha1.ReasonCollision,
			Message: fmt.Sprintf("operation is Add but destination customer %s already exists; use operation Auto or Update", o.current.ID)}
	default:
		return mapping.Update, nil
	}
}

// write applies the payload unless it changes nothing, and links what is
// not linked. A create is linked at once, so that the next sync finds the
// record by its link; when the create's own follow-up fails (99minds' card),
// it is not linked, so the retry finds it by its natural key and completes
// it as an Add.
func (t *transfer) write(ctx context.Context, out Outcome, id string, doc map[string]any, obs observation, p customer.Payload, opts Options) Outcome {
	current := obs.current
	if current == nil {
		out.Changes = mapping.Diff(p, nil)
		if opts.DryRun {
			out.Action = v1alpha1.ActionWouldCreate
			return out
		}
		created, err := t.dest.Create(ctx, id, p)
		if created != nil {
			out.DestinationID = created.ID
		}
		if err != nil {
			return out.fail(stageWrite, err)
		}
		if err := t.link(ctx, id, created.ID); err != nil {
			return out.fail(stageWrite, err)
		}
		out.Action, out.Changes = v1alpha1.ActionCreated, nil
		return out
	}

	out.Changes = mapping.Diff(p, current)
	linkOnly := !obs.linked && t.collision == v1alpha1.CollisionLinkOnly
	// Completing our own create writes it again even when nothing differs:
	// the write runs the destination's follow-ups (99minds issues the card).
	complete := obs.ours && !linkOnly
	if opts.DryRun {
		switch {
		case (len(out.Changes) == 0 && !complete) || linkOnly:
			out.Action, out.Changes = v1alpha1.ActionUnchanged, nil
			if !obs.linked {
				out.Action = v1alpha1.ActionLinked
			}
		case obs.ours:
			out.Action = v1alpha1.ActionWouldCreate
		default:
			out.Action = v1alpha1.ActionWouldUpdate
		}
		return out
	}
	action := v1alpha1.ActionUnchanged
	if (len(out.Changes) > 0 || complete) && !linkOnly {
		if _, err := t.dest.Update(ctx, current.ID, p); err != nil {
			return out.fail(stageWrite, err)
		}
		action = v1alpha1.ActionUpdated
	}
	if !obs.linked {
		if err := t.link(ctx, id, current.ID); err != nil {
			return out.fail(stageWrite, err)
		}
		if action == v1alpha1.ActionUnchanged {
			action = v1alpha1.ActionLinked
		}
	}
	if complete {
		action = v1alpha1.ActionCreated
	}
	out.Action, out.Changes = action, nil
	return out
}

// customFieldCheck validates that the destination defines every custom
// field the rules write.
type customFieldCheck struct {
	dest   connector.Destination
	system string
	want   []string
}

func (c customFieldCheck) Validate(ctx context.Context) error {
	defs, err := c.dest.CustomFieldDefinitions(ctx)
	if err != nil {
		return err
	}
	have := make(map[string]bool, len(defs))
	for _, d := range defs {
		have[d.Name] = true
	}
	var missing []string
	for _, f := range c.want {
		if !have[f] {
			missing = append(missing, fmt.Sprintf("%q", f))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &Problem{Reason: v1alpha1.ReasonMissingCustomField,
		Message: fmt.Sprintf("the rules write custom fields that %s does not define for customers: %s; define them in %s or fix the rules",
			c.system, strings.Join(missing, ", "), c.system)}
}

// validateAll validates each connection in turn; the first failure names
// which end failed.
func validateAll(ctx context.Context, vs []named) error {
	for _, n := range vs {
		if err := n.v.Validate(ctx); err != nil {
			var p *Problem
			if errors.As(err, &p) {
				return p
			}
			return fmt.Errorf("%s: %w", n.what, err)
		}
	}
	return nil
}
