-- Argo CD health check for CustomerSyncRequest (sync.customersync.io/v1alpha1).
-- Install it as resource.customizations.health.sync.customersync.io_CustomerSyncRequest
-- in argocd-cm (docs/install.md). A request runs to completion like a Job:
-- Complete=True is Healthy (PartiallySucceeded too: the failed records are in
-- status.results), Failed=True or Stalled=True is Degraded (a Failed request
-- never runs again; a Stalled one waits for its mapping to be fixed), anything
-- else is Progressing.
local hs = {status = "Progressing", message = "Waiting for the operator to start the sync"}
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
local c = {}
for _, condition in ipairs(obj.status.conditions) do
  if condition.status == "True" then
    c[condition.type] = condition
  end
end
if c.Complete ~= nil then
  return {status = "Healthy", message = c.Complete.reason .. ": " .. c.Complete.message}
end
if c.Failed ~= nil then
  return {status = "Degraded", message = c.Failed.reason .. ": " .. c.Failed.message}
end
if c.Stalled ~= nil then
  return {status = "Degraded", message = c.Stalled.reason .. ": " .. c.Stalled.message}
end
if c.Reconciling ~= nil then
  hs.message = c.Reconciling.message
end
return hs
