-- The list queries order by (created_at, id) and (due_date, id). With `id` in the index a page
-- is read in order and stops at its limit; without it Postgres read every task of the user and
-- sorted them (list throughput fell with the length of the user's list).
drop index tasks_user_created_idx;
create index tasks_user_created_idx on tasks (user_id, created_at desc, id desc);
drop index tasks_user_completed_idx;
create index tasks_user_completed_idx on tasks (user_id, completed, created_at desc, id desc);
drop index tasks_user_due_idx;
create index tasks_user_due_idx on tasks (user_id, due_date, id);
