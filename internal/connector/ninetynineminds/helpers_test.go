package ninetynineminds_test

import (
	"context"
	"fmt"
)

type contextT = context.Context

// fmtAll prints an error with every verb a caller might use.
func fmtAll(err error) string { return fmt.Sprintf("%v %+v %#v", err, err, err) }
