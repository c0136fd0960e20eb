-- Argo CD health check for CustomerMapping (sync.customersync.io/v1alpha1).
-- Install it as resource.customizations.health.sync.customersync.io_CustomerMapping
-- in argocd-cm (docs/install.md). It reads the conditions the operator writes:
-- Suspended=True is Suspended, Stalled=True is Degraded (only a change of the
-- mapping or of what it names helps), Ready=True is Healthy, anything else is
-- Progressing.
local hs = {status = "Progressing", message = "Waiting for the operator to validate the mapping"}
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
if obj.metadata.generation ~= nil and obj.status.observedGeneration ~= nil
    and obj.status.observedGeneration < obj.metadata.generation then
  hs.message = "Waiting for the operator to validate the latest generation"
  return hs
end
local c = {}
for _, condition in ipairs(obj.status.conditions) do
  if condition.status == "True" then
    c[condition.type] = condition
  end
end
if c.Suspended ~= nil then
  return {status = "Suspended", message = c.Suspended.message}
end
if c.Stalled ~= nil then
  return {status = "Degraded", message = c.Stalled.reason .. ": " .. c.Stalled.message}
end
if c.Ready ~= nil then
  return {status = "Healthy", message = c.Ready.message}
end
for _, condition in ipairs(obj.status.conditions) do
  if condition.type == "Ready" then
    hs.message = condition.reason .. ": " .. condition.message
  end
end
return hs
