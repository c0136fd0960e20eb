package ipaas

import (
	"context"
	"net/http"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/customer"
)

// linkBody is the body of LookupSpecial and UpdateExternalId [doc]: a
// generic map, which connector.EncodeJSON writes without reflection (a
// struct would go through json.Marshal, on every record's two link calls).
func linkBody(systemID int64, externalID, internalID string) map[string]any {
	b := map[string]any{"table_name": tableCustomer, "system_id": systemID, "external_id": externalID}
	if internalID != "" {
		b["internal_id"] = internalID
	}
	return b
}

// LookupSpecial returns the iPaaS.com id linked to externalID for the
// configured system id. Not linked (404) is linked=false, not an error.
func (c *Connector) LookupSpecial(ctx context.Context, externalID string) (id string, linked bool, err error) {
	if err := c.needSystemID("LookupSpecial", externalID); err != nil {
		return "", false, err
	}
	var out any
	var absent bool
	err = c.client.Do(ctx, connector.Call{Operation: "LookupSpecial", Method: http.MethodPost, Path: pathLookupSpecial,
		Body: linkBody(c.systemID, externalID, ""), Out: &out, Absent: &absent})
	if absent {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if id = idString(out); id == "" {
		return "", false, connector.BadResponse(System, "LookupSpecial", "POST "+pathLookupSpecial, errNoID)
	}
	return id, true, nil
}

// FindByLink returns the customer linked to externalID, or ErrNotFound when
// none is linked (or the link points at a customer that is gone).
func (c *Connector) FindByLink(ctx context.Context, externalID string) (*customer.Record, error) {
	id, linked, err := c.LookupSpecial(ctx, externalID)
	if err != nil {
		return nil, err
	}
	if !linked {
		return nil, connector.NotFound(System, "LookupSpecial", "no customer is linked to that external id")
	}
	return c.Get(ctx, id)
}

// LinkedID returns the id of the other system's record linked to an
// iPaaS.com customer: the external_id of its external_ids entry for the
// configured system id [doc: the customer shape]. "" when none is.
func (c *Connector) LinkedID(doc map[string]any) string {
	list, _ := doc["external_ids"].([]any)
	for _, item := range list {
		e, ok := item.(map[string]any)
		if !ok {
			continue
		}
		if n, ok := toInt(e["system_id"]); ok && n == c.systemID && c.systemID > 0 {
			if id := idString(e["external_id"]); id != "" {
				return id
			}
		}
	}
	return ""
}

// Link links externalID (for the configured system id) to customer id;
// linking again is harmless.
func (c *Connector) Link(ctx context.Context, id, externalID string) error {
	if err := c.needSystemID("UpdateExternalId", externalID); err != nil {
		return err
	}
	if id == "" {
		return connector.Invalid(System, "UpdateExternalId", map[string][]string{"internal_id": {"the customer id is required"}})
	}
	return c.client.Do(ctx, connector.Call{Operation: "UpdateExternalId", Method: http.MethodPost, Path: pathUpdateExternalID,
		Body: linkBody(c.systemID, externalID, id)})
}

func (c *Connector) needSystemID(op, externalID string) error {
	if c.systemID <= 0 {
		return connector.InvalidConfig(System, "systemID is required for external-id links")
	}
	if externalID == "" {
		return connector.Invalid(System, op, map[string][]string{"external_id": {"the external id is required"}})
	}
	return nil
}
