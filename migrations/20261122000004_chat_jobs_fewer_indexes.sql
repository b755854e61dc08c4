-- Each new version of a chat_jobs row goes into every one of its indexes, and a turn writes
-- two or three (started, perhaps marked published, finished), none of them HOT (the status
-- is in partial-index predicates). Two indexes served no query: jobs by user and time (no
-- endpoint lists them), and the uniqueness of `seq`, which its `generated always` identity
-- already gives.
drop index chat_jobs_user_created_idx;
alter table chat_jobs drop constraint chat_jobs_seq_key;
