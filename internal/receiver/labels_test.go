package receiver

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestGenerateNameStaysValid(t *testing.T) {
	long := strings.Repeat("a", 40) + "." + strings.Repeat("b", 100)
	cases := map[string]string{
		"ninetynineminds-to-ipaas":     "ninetynineminds-to-ipaas-webhook-",
		strings.Repeat("x", 49):        strings.Repeat("x", 49) + "-webhook-",
		strings.Repeat("x", 60):        strings.Repeat("x", 49) + "-webhook-",
		long:                           strings.Repeat("a", 40) + "." + strings.Repeat("b", 8) + "-webhook-",
		strings.Repeat("a", 48) + ".b": strings.Repeat("a", 48) + "-webhook-", // no ".-"
	}
	for mapping, want := range cases {
		got := GenerateName(mapping, TriggerWebhook)
		if got != want {
			t.Errorf("GenerateName(%q) = %q, want %q", mapping, got, want)
		}
		if len(got) > maxGenerateName {
			t.Errorf("GenerateName(%q) is %d long", mapping, len(got))
		}
		if errs := validation.IsDNS1123Subdomain(got + "abcde"); len(errs) > 0 {
			t.Errorf("GenerateName(%q) makes invalid names: %v", mapping, errs)
		}
	}
}

func TestLabelsLeaveOutLongMappingNames(t *testing.T) {
	if l := Labels("short", TriggerPolling); l[LabelMapping] != "short" || l[LabelTrigger] != TriggerPolling {
		t.Errorf("labels %v", l)
	}
	if l := Labels(strings.Repeat("m", 64), TriggerWebhook); len(l) != 1 || l[LabelTrigger] != TriggerWebhook {
		t.Errorf("labels %v", l)
	}
}

func TestBearerToken(t *testing.T) {
	cases := map[string]string{
		"Bearer abc":   "abc",
		"bearer  abc ": "abc",
		"BEARER abc":   "abc",
		"Basic abc":    "",
		"Bearer":       "",
		"":             "",
		"abc":          "",
	}
	for header, want := range cases {
		h := map[string][]string{"Authorization": {header}}
		if got := bearerToken(h); got != want {
			t.Errorf("bearerToken(%q) = %q, want %q", header, got, want)
		}
	}
	if !tokenMatches("abc", []byte("abc")) || tokenMatches("abc", []byte("abcd")) || tokenMatches("", []byte("abc")) {
		t.Error("tokenMatches")
	}
}
