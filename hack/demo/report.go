package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
	simnn "github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
	simopenai "github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

// poll calls cond every 250ms until it is done, the timeout passes (the
// error then carries cond's last description of what is missing) or ctx
// ends.
func poll(ctx context.Context, timeout time.Duration, what string, cond func() (done bool, pending string, err error)) error {
	deadline := time.Now().Add(timeout)
	for {
		done, pending, err := cond()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for %s; still waiting on:\n%s", timeout, what, indent(pending, "     "))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, context.Cause(ctx))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (d *demo) key(name string) types.NamespacedName {
	return types.NamespacedName{Namespace: d.o.namespace, Name: name}
}

// waitMappings waits for each mapping's Ready condition to be True for its
// current generation.
func (d *demo) waitMappings(ctx context.Context, names []string) error {
	reported := map[string]bool{}
	return poll(ctx, d.o.readyTimeout, "the mappings to be Ready", func() (bool, string, error) {
		var pending []string
		for _, n := range names {
			m := &v1alpha1.CustomerMapping{}
			if err := d.c.Get(ctx, d.key(n), m); err != nil {
				return false, "", err
			}
			c := meta.FindStatusCondition(m.Status.Conditions, v1alpha1.ConditionReady)
			switch {
			case c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == m.Generation:
				if !reported[n] {
					reported[n] = true
					d.say("%-26s Ready (%s)", n, c.Reason)
				}
			case c == nil:
				pending = append(pending, n+": no Ready condition yet")
			default:
				pending = append(pending, fmt.Sprintf("%s: Ready=%s %s: %s", n, c.Status, c.Reason, c.Message))
			}
		}
		return len(pending) == 0, strings.Join(pending, "\n"), nil
	})
}

// finished returns the request's Complete or Failed condition once it is
// True.
func finished(r *v1alpha1.CustomerSyncRequest) *metav1.Condition {
	for _, t := range []string{v1alpha1.ConditionComplete, v1alpha1.ConditionFailed} {
		if c := meta.FindStatusCondition(r.Status.Conditions, t); c != nil && c.Status == metav1.ConditionTrue {
			return c
		}
	}
	return nil
}

// waitRequests waits for each request to be Complete or Failed, printing
// each as it finishes.
func (d *demo) waitRequests(ctx context.Context, names []string) error {
	reported := map[string]bool{}
	return poll(ctx, d.o.syncTimeout, "the sync requests to finish", func() (bool, string, error) {
		var pending []string
		for _, n := range names {
			r := &v1alpha1.CustomerSyncRequest{}
			if err := d.c.Get(ctx, d.key(n), r); err != nil {
				return false, "", err
			}
			if c := finished(r); c != nil {
				if !reported[n] {
					reported[n] = true
					d.say("%-26s %s (%s): %d succeeded, %d failed, %d skipped of %d",
						n, c.Type, c.Reason, r.Status.Succeeded, r.Status.Failed, r.Status.Skipped, r.Status.Total)
				}
				continue
			}
			var conds []string
			for _, c := range r.Status.Conditions {
				if c.Status == metav1.ConditionTrue {
					conds = append(conds, fmt.Sprintf("%s (%s: %s)", c.Type, c.Reason, c.Message))
				}
			}
			pending = append(pending, fmt.Sprintf("%s: phase %q, %d/%d processed; %s",
				n, r.Status.Phase, r.Status.Processed, r.Status.Total, strings.Join(conds, "; ")))
		}
		return len(pending) == 0, strings.Join(pending, "\n"), nil
	})
}

// kubectlShow runs the envtest kubectl against the demo's API server and
// prints the command as the user would type it, with its output.
func (d *demo) kubectlShow(ctx context.Context, filter func(string) string, args ...string) {
	fmt.Fprintf(d.out, "\n$ kubectl %s\n", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, d.kubectl, append([]string{"--kubeconfig", d.kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	text := strings.TrimRight(string(out), "\n")
	if filter != nil && err == nil {
		text = filter(text)
	}
	fmt.Fprintln(d.out, text)
	if err != nil {
		fmt.Fprintf(d.out, "(kubectl: %v)\n", err)
	}
}

// describeExcerpt keeps the part of `kubectl describe` a user reads first:
// from Status to the end (results, conditions, Events).
func describeExcerpt(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "Status:") {
			return strings.Join(lines[i:], "\n")
		}
	}
	return s
}

func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func (d *demo) ipaasCustomers(ctx context.Context) ([]ipaas.Customer, error) {
	var cs []ipaas.Customer
	return cs, getJSON(ctx, d.ep.ipaas+"/_admin/customers", &cs)
}

// sampleRequest is a finished request with its mapping.
type sampleRequest struct {
	r *v1alpha1.CustomerSyncRequest
	m *v1alpha1.CustomerMapping
}

func (s sampleRequest) flow() string {
	return string(s.m.Spec.Source.System) + "→" + string(s.m.Spec.Destination.System)
}

// report prints what a user would look at and checks that every sample did
// its job. afterDryRun is how many customers iPaaS.com held after the dry
// run (it must not have written any).
func (d *demo) report(ctx context.Context, objs []*unstructured.Unstructured, afterDryRun int) ([]string, error) {
	var reqs []sampleRequest
	for _, o := range objs {
		r := &v1alpha1.CustomerSyncRequest{}
		if err := d.c.Get(ctx, d.key(o.GetName()), r); err != nil {
			return nil, err
		}
		m := &v1alpha1.CustomerMapping{}
		if err := d.c.Get(ctx, d.key(r.Spec.MappingRef.Name), m); err != nil {
			return nil, err
		}
		reqs = append(reqs, sampleRequest{r, m})
	}

	d.step("What kubectl shows")
	d.say("(KUBECONFIG=%s; `make dev` keeps the API server running to try these yourself)", d.kubeconfig)
	d.kubectlShow(ctx, nil, "get", "customermappings,customersyncrequests", "-n", d.o.namespace, "-o", "wide")
	if several := mostCustomers(reqs); several != nil {
		d.kubectlShow(ctx, describeExcerpt, "describe", "customersyncrequest", several.r.Name, "-n", d.o.namespace)
	}

	var failures []string
	failures = append(failures, d.reportDryRuns(reqs, afterDryRun)...)
	f, err := d.reportIPaaS(ctx, reqs)
	if err != nil {
		return nil, err
	}
	failures = append(failures, f...)
	f, err = d.reportOpenAI(ctx, reqs)
	if err != nil {
		return nil, err
	}
	failures = append(failures, f...)
	f, err = d.reportReverse(ctx, reqs)
	if err != nil {
		return nil, err
	}
	failures = append(failures, f...)

	d.step("Verdict")
	for _, s := range reqs {
		if problem := verdict(s.r); problem != "" {
			failures = append(failures, fmt.Sprintf("%s (%s): %s", s.r.Name, s.flow(), problem))
			d.say("FAIL  %-26s %s", s.r.Name, problem)
			continue
		}
		d.say("ok    %-26s %s", s.r.Name, outcome(s.r))
	}
	return failures, nil
}

// verdict says what is wrong with a finished request, or "".
func verdict(r *v1alpha1.CustomerSyncRequest) string {
	c := meta.FindStatusCondition(r.Status.Conditions, v1alpha1.ConditionComplete)
	if c == nil || c.Status != metav1.ConditionTrue {
		f := finished(r)
		if f == nil {
			return "did not finish"
		}
		return fmt.Sprintf("%s: %s: %s%s", f.Type, f.Reason, f.Message, failedResults(r))
	}
	if r.Spec.DryRun {
		if len(r.Status.Results) == 0 {
			return "dry run is Complete but shows no results"
		}
		for _, res := range r.Status.Results {
			if res.Action != v1alpha1.ActionWouldCreate && res.Action != v1alpha1.ActionWouldUpdate {
				return fmt.Sprintf("dry run result for %s is %s, want WouldCreate or WouldUpdate", res.ID, res.Action)
			}
			if len(res.Changes) == 0 {
				return fmt.Sprintf("dry run result for %s (%s) lists no field changes", res.ID, res.Action)
			}
		}
		return ""
	}
	if c.Reason != v1alpha1.ReasonSucceeded || r.Status.Failed > 0 {
		return fmt.Sprintf("Complete with reason %s, %d failed%s", c.Reason, r.Status.Failed, failedResults(r))
	}
	return ""
}

func failedResults(r *v1alpha1.CustomerSyncRequest) string {
	var b strings.Builder
	for _, res := range r.Status.Results {
		if res.Action == v1alpha1.ActionFailed {
			fmt.Fprintf(&b, "; %s: %s: %s", res.ID, res.Reason, res.Message)
		}
	}
	return b.String()
}

// outcome is one line per request: what happened to each record.
func outcome(r *v1alpha1.CustomerSyncRequest) string {
	var parts []string
	for _, res := range r.Status.Results {
		p := fmt.Sprintf("%s %s", res.ID, res.Action)
		if res.DestinationID != "" {
			p += " → " + res.DestinationID
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

func mostCustomers(reqs []sampleRequest) *sampleRequest {
	var best *sampleRequest
	for i := range reqs {
		if reqs[i].r.Spec.DryRun {
			continue
		}
		if best == nil || len(reqs[i].r.Spec.CustomerIDs) > len(best.r.Spec.CustomerIDs) {
			best = &reqs[i]
		}
	}
	return best
}

// reportDryRuns prints each dry run's field changes and checks that it
// wrote nothing.
func (d *demo) reportDryRuns(reqs []sampleRequest, afterDryRun int) []string {
	var failures []string
	for _, s := range reqs {
		if !s.r.Spec.DryRun {
			continue
		}
		d.step(fmt.Sprintf("Dry run %s: what the first sync would change (nothing written)", s.r.Name))
		for _, res := range s.r.Status.Results {
			d.say("%s: %s, %d field changes", res.ID, res.Action, len(res.Changes))
			for _, ch := range res.Changes {
				d.say("  %-32s \"%s\" → \"%s\"", ch.Field, short(ch.From), short(ch.To))
			}
		}
	}
	if seeded := len(ipaasData().Customers); afterDryRun != seeded {
		failures = append(failures, fmt.Sprintf("iPaaS.com held %d customers after the dry run, want the %d seeded: a dry run wrote", afterDryRun, seeded))
	}
	return failures
}

// reportIPaaS prints a customer the 99minds flow wrote, read back from the
// iPaaS.com simulator, and checks that no customer was created twice.
func (d *demo) reportIPaaS(ctx context.Context, reqs []sampleRequest) ([]string, error) {
	all, err := d.ipaasCustomers(ctx)
	if err != nil {
		return nil, err
	}
	var failures []string
	shown := false
	checked := map[string]bool{}
	for _, s := range reqs {
		if s.r.Spec.DryRun || s.m.Spec.Source.System != v1alpha1.SystemNinetyNineMinds || s.m.Spec.Destination.System != v1alpha1.SystemIPaaS {
			continue
		}
		for _, res := range s.r.Status.Results {
			written := res.Action != v1alpha1.ActionFailed && res.Action != v1alpha1.ActionSkipped && res.Action != v1alpha1.ActionRetrying
			if written && !checked[res.ID] {
				checked[res.ID] = true
				// The sample mapping makes the 99minds id the CustomerNumber.
				if n := countNumber(all, res.ID); n != 1 {
					failures = append(failures, fmt.Sprintf("iPaaS.com holds %d customers with CustomerNumber %s, want exactly 1", n, res.ID))
				}
			}
			if shown || res.DestinationID == "" {
				continue
			}
			shown = true
			var c ipaas.Customer
			if err := getJSON(ctx, d.ep.ipaas+"/_admin/customers/"+res.DestinationID, &c); err != nil {
				return nil, err
			}
			d.step(fmt.Sprintf("iPaaS.com customer %s, synced from 99minds %s (GET %s/_admin/customers/%s)", c.ID, res.ID, d.ep.ipaas, c.ID))
			d.say("%-16s %s", "synced by", history(reqs, res.ID))
			if err := d.printCustomer(ctx, c); err != nil {
				return nil, err
			}
		}
	}
	if len(checked) > 0 && len(failures) == 0 {
		d.say("(each of the %d 99minds customers exists exactly once in iPaaS.com, though two requests synced %s)", len(checked), janeID)
	}
	return failures, nil
}

func countNumber(cs []ipaas.Customer, number string) int {
	n := 0
	for _, c := range cs {
		if c.CustomerNumber == number {
			n++
		}
	}
	return n
}

func (d *demo) printCustomer(ctx context.Context, c ipaas.Customer) error {
	d.say("%-16s %s", "CustomerNumber", c.CustomerNumber)
	d.say("%-16s %s / %s", "First/LastName", c.FirstName, c.LastName)
	d.say("%-16s %s", "EmailAddress", c.EmailAddress)
	if c.Company != "" {
		d.say("%-16s %s", "Company", c.Company)
	}
	if c.Comment != "" {
		d.say("%-16s %s", "Comment", c.Comment)
	}
	d.say("custom fields:")
	for _, f := range c.CustomFields {
		d.say("  %-32s %s", f.Name, strings.ReplaceAll(f.Value, "\n", "\n"+strings.Repeat(" ", 38)))
	}
	var links []ipaas.Link
	if err := getJSON(ctx, d.ep.ipaas+"/_admin/links", &links); err != nil {
		return err
	}
	for _, l := range links {
		if l.InternalID == c.ID {
			d.say("external-id link: system %d, %s → %s (decides Add or Update next time)", l.SystemID, l.ExternalID, l.InternalID)
		}
	}
	return nil
}

// reportOpenAI prints the OpenAI flow's write-back and token usage, and
// checks that what iPaaS.com holds is the model's answer.
func (d *demo) reportOpenAI(ctx context.Context, reqs []sampleRequest) ([]string, error) {
	var failures []string
	for _, s := range reqs {
		if s.r.Spec.DryRun || s.m.Spec.Destination.System != v1alpha1.SystemOpenAI {
			continue
		}
		for _, res := range s.r.Status.Results {
			if res.DestinationID == "" {
				continue
			}
			var c ipaas.Customer
			if err := getJSON(ctx, d.ep.ipaas+"/_admin/customers/"+res.DestinationID, &c); err != nil {
				return nil, err
			}
			d.step(fmt.Sprintf("OpenAI write-back: iPaaS.com customer %s (%s) after %s", c.ID, res.ID, s.r.Name))
			api := "POST /v1/responses (spec.openAI.api: Responses, the default)"
			if s.m.Spec.OpenAI.API == v1alpha1.OpenAIChatCompletions || (s.m.Spec.OpenAI.API == "" && s.m.Spec.OpenAI.Azure != nil) {
				api = "POST /v1/chat/completions (spec.openAI.api: ChatCompletions)"
			}
			d.say("%-32s %s", "asked", api)
			seeded := ipaasData().Customers[0]
			d.say("%-32s %q (before: %q)", "Comment", c.Comment, seeded.Comment)
			for _, f := range s.m.Spec.OpenAI.ResponseFields {
				if v, ok := c.CustomFieldValue(f.Name); ok {
					d.say("%-32s %q", f.Name+" (custom)", v)
				}
			}
			if u := s.r.Status.OpenAI; u != nil {
				d.say("%-32s %d model call(s), %d prompt + %d completion = %d tokens (status.openAI)",
					"usage", u.ModelCalls, u.PromptTokens, u.CompletionTokens, u.TotalTokens)
				if u.ModelCalls < 1 || u.TotalTokens <= 0 {
					failures = append(failures, fmt.Sprintf("%s: status.openAI reports %d calls and %d tokens", s.r.Name, u.ModelCalls, u.TotalTokens))
				}
			} else {
				failures = append(failures, s.r.Name+": status.openAI is empty; token usage was not recorded")
			}
			f, err := d.checkAnswer(ctx, c)
			if err != nil {
				return nil, err
			}
			failures = append(failures, f...)
		}
	}
	return failures, nil
}

// checkAnswer compares the customer with the answer the OpenAI simulator
// gave to the last chat request: the simulator's answers are a function of
// the request, so the expected values can be recomputed from it.
func (d *demo) checkAnswer(ctx context.Context, c ipaas.Customer) ([]string, error) {
	var calls []simopenai.ChatRequest
	if err := getJSON(ctx, d.ep.openai+"/_admin/chatrequests?n=1", &calls); err != nil {
		return nil, err
	}
	if len(calls) != 1 {
		return []string{"the OpenAI simulator received no chat request"}, nil
	}
	content, err := simopenai.ExpectedContent(calls[0].Messages, calls[0].ResponseFormat)
	if err != nil {
		return nil, err
	}
	var answer map[string]any
	if err := json.Unmarshal([]byte(content), &answer); err != nil {
		return nil, fmt.Errorf("the OpenAI simulator's answer %q: %w", content, err)
	}
	var failures []string
	matched := 0
	keys := make([]string, 0, len(answer))
	for k := range answer {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		want := fmt.Sprint(answer[k])
		got, ok := c.CustomFieldValue(k)
		if k == "Comment" {
			got, ok = c.Comment, true
		}
		if !ok {
			continue
		}
		matched++
		if got != want {
			failures = append(failures, fmt.Sprintf("iPaaS.com customer %s has %s = %q, but the model answered %q", c.ID, k, got, want))
		}
	}
	if matched == 0 {
		failures = append(failures, fmt.Sprintf("none of the model's answer fields %v reached iPaaS.com customer %s", keys, c.ID))
	} else if len(failures) == 0 {
		d.say("(these are the OpenAI simulator's answer to the request the operator sent, written back unchanged)")
	}
	return failures, nil
}

// short fits a field value on one line of the dry-run table.
func short(s string) string {
	s = strings.ReplaceAll(s, "\n", " | ")
	if r := []rune(s); len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return s
}

// history lists the real (not dry-run) requests that synced a customer and
// what each did, in creation order.
func history(reqs []sampleRequest, id string) string {
	var parts []string
	for _, s := range reqs {
		if s.r.Spec.DryRun {
			continue
		}
		for _, res := range s.r.Status.Results {
			if res.ID == id {
				parts = append(parts, fmt.Sprintf("%s (%s)", s.r.Name, res.Action))
			}
		}
	}
	return strings.Join(parts, ", then ")
}

// reportReverse prints what the iPaaS.com → 99minds sample wrote, syncs the
// same customer once more, and checks that 99minds holds exactly one
// customer for it, linked from iPaaS.com and issued a loyalty card.
func (d *demo) reportReverse(ctx context.Context, reqs []sampleRequest) ([]string, error) {
	var failures []string
	for _, s := range reqs {
		if s.r.Spec.DryRun || s.m.Spec.Source.System != v1alpha1.SystemIPaaS || s.m.Spec.Destination.System != v1alpha1.SystemNinetyNineMinds {
			continue
		}
		again := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": v1alpha1.GroupVersion.String(), "kind": "CustomerSyncRequest",
			"metadata": map[string]any{"name": s.r.Name + "-again", "namespace": d.o.namespace},
			"spec":     map[string]any{"mappingRef": map[string]any{"name": s.m.Name}, "customerIDs": toAny(s.r.Spec.CustomerIDs)},
		}}
		d.step(fmt.Sprintf("iPaaS.com → 99minds: %s synced once; syncing the same customers again", s.r.Name))
		if err := d.createAndWait(ctx, []*unstructured.Unstructured{again}); err != nil {
			return nil, err
		}
		second := &v1alpha1.CustomerSyncRequest{}
		if err := d.c.Get(ctx, d.key(again.GetName()), second); err != nil {
			return nil, err
		}
		if problem := verdict(second); problem != "" {
			failures = append(failures, fmt.Sprintf("%s: %s", second.Name, problem))
		}
		var nn struct {
			Customers []simnn.Customer `json:"customers"`
		}
		if err := getJSON(ctx, d.ep.nn+"/_admin/customers", &nn); err != nil {
			return nil, err
		}
		var links []ipaas.Link
		if err := getJSON(ctx, d.ep.ipaas+"/_admin/links", &links); err != nil {
			return nil, err
		}
		for i, res := range s.r.Status.Results {
			var made []simnn.Customer
			for _, c := range nn.Customers {
				if c.ClientCustomerID == res.ID {
					made = append(made, c)
				}
			}
			if len(made) != 1 {
				failures = append(failures, fmt.Sprintf("99minds holds %d customers created for iPaaS.com customer %s, want exactly 1", len(made), res.ID))
				continue
			}
			c := made[0]
			var card struct {
				Cards []simnn.LoyaltyCard `json:"loyalty_cards"`
			}
			if err := getJSON(ctx, d.ep.nn+"/_admin/customers/"+c.ID, &card); err != nil {
				return nil, err
			}
			d.say("99minds customer %s for iPaaS.com customer %s: %q <%s>, company %q, notes %q, %d loyalty card(s)",
				c.ID, res.ID, c.Name, c.Email, c.Company, c.Notes, len(card.Cards))
			d.say("first sync: %s; second sync: %s", res.Action, second.Status.Results[i].Action)
			if len(card.Cards) != 1 {
				failures = append(failures, fmt.Sprintf("99minds customer %s has %d loyalty cards, want the 1 issued at create", c.ID, len(card.Cards)))
			}
			linked := false
			for _, l := range links {
				if l.InternalID == res.ID && l.ExternalID == c.ID {
					linked = true
					d.say("external-id link in iPaaS.com: system %d, %s → %s (finds the 99minds customer next time)", l.SystemID, l.ExternalID, l.InternalID)
				}
			}
			if !linked {
				failures = append(failures, fmt.Sprintf("iPaaS.com customer %s is not linked to 99minds customer %s", res.ID, c.ID))
			}
		}
	}
	return failures, nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
