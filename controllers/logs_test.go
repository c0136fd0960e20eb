package controllers_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// logLines collects what a logger writes, by verbosity.
type logLines struct {
	mu    sync.Mutex
	lines []logLine
}

type logLine struct {
	level int
	text  string
}

func (l *logLines) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		level := 0
		if strings.Contains(args, `"level"=1`) {
			level = 1
		}
		l.lines = append(l.lines, logLine{level, prefix + " " + args})
	}, funcr.Options{Verbosity: 1, LogInfoLevel: ptr.To("level")})
}

func (l *logLines) find(level int, parts ...string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
next:
	for _, line := range l.lines {
		if line.level != level {
			continue
		}
		for _, p := range parts {
			if !strings.Contains(line.text, p) {
				continue next
			}
		}
		return line.text
	}
	return ""
}

// At info level the manager says when a request starts and ends, with its
// counts and reason, and names each failed record with its reason; the
// connectors' request lines (V(1)) name the namespace, the mapping and the
// request. No line carries a secret, and no info line a customer's data.
func TestLogsAnOperatorCanRead(t *testing.T) {
	logs := &logLines{}
	w := newWorld(t, seedData())
	startManagerWithLogger(t, testOptions(), logs.logger())
	w.create(w.sampleMapping(sample))
	w.mappingCondition(mapping, v1alpha1.ConditionReady, metav1.ConditionTrue)
	w.create(w.request("logged", mapping, janeID, noMailID))
	w.finished("logged", 30*time.Second)

	ns := `"namespace"="` + w.ns + `"`
	if l := logs.find(0, `"msg"="sync started"`, ns, `"records"=2`); l == "" {
		t.Error("no info line for the request's start")
	}
	if l := logs.find(0, `"msg"="sync finished"`, ns, `"reason"="PartiallySucceeded"`, `"succeeded"=1`, `"failed"=1`, `"duration"=`); l == "" {
		t.Error("no info line for the request's end with its counts and reason")
	}
	if l := logs.find(0, `"msg"="record failed"`, `"customer"="`+noMailID+`"`, `"reason"="MissingEmailAddress"`); l == "" {
		t.Error("no info line for the failed record")
	}
	if l := logs.find(1, `"msg"="request"`, ns, `"mapping"="`+mapping+`"`, `"logged"`, `"system"="iPaaS.com"`); l == "" {
		t.Error("connector request lines do not name the namespace, mapping and request")
	}
	logs.mu.Lock()
	defer logs.mu.Unlock()
	for _, l := range logs.lines {
		if strings.Contains(l.text, nnKey) || strings.Contains(l.text, ipaasKey) {
			t.Fatalf("a log line carries a credential: %s", l.text)
		}
		if l.level == 0 && (strings.Contains(l.text, "jane@example.com") || strings.Contains(l.text, "Jane van Doe")) {
			t.Fatalf("an info line carries customer data: %s", l.text)
		}
	}
}
