-- Replicas of the "memory" engine poll the vendors written since their
-- last look (postgres.Replica.Follow).
CREATE INDEX vendors_by_updated ON vendors (updated_at);

---- create above / drop below ----

DROP INDEX vendors_by_updated;
