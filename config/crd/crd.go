// Package crd embeds the CRDs that make manifests generates into bases/,
// so that tools (kubectl customersync validate) check manifests against
// exactly the schema the API server enforces.
package crd

import "embed"

// Bases holds bases/*.yaml.
//
//go:embed bases/*.yaml
var Bases embed.FS
