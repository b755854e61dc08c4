-- Taskwire schema: the five tables of ARCHITECTURE.md.
-- Postgres is the source of truth; NATS only carries work and events.

create table tasks (
    id          bigint generated always as identity primary key, -- public task id (an integer)
    user_id     text        not null,                            -- owner: the token's sub claim
    title       text        not null,                            -- 1..200 characters, trimmed
    description text,                                            -- up to 2000 characters
    completed   boolean     not null default false,              -- done or not
    priority    text        not null default 'medium',           -- low | medium | high
    due_date    timestamptz,                                     -- optional deadline
    created_at  timestamptz not null default now(),              -- creation time
    updated_at  timestamptz not null default now(),              -- last change
    constraint tasks_user_id_not_empty check (length(user_id) between 1 and 255),
    constraint tasks_title_length check (char_length(title) between 1 and 200),
    constraint tasks_description_length check (description is null or char_length(description) <= 2000),
    constraint tasks_priority_valid check (priority in ('low', 'medium', 'high'))
);
-- list queries: by status, by due date, newest first
create index tasks_user_completed_idx on tasks (user_id, completed, created_at desc);
create index tasks_user_due_idx on tasks (user_id, due_date);
create index tasks_user_created_idx on tasks (user_id, created_at desc);

create table conversations (
    id         uuid        primary key,                          -- conversation id
    user_id    text        not null,                             -- owner
    title      text        not null,                             -- from the first message
    created_at timestamptz not null default now(),               -- creation time
    updated_at timestamptz not null default now(),               -- last message time
    turn_job_id     uuid,                                        -- the job holding the turn lease, if any
    turn_expires_at timestamptz,                                 -- when that lease lapses unless renewed
    constraint conversations_title_length check (char_length(title) <= 200)
);
create index conversations_user_updated_idx on conversations (user_id, updated_at desc);

create table messages (
    id              uuid        primary key,                     -- message id
    conversation_id uuid        not null references conversations (id) on delete cascade,
    user_id         text        not null,                        -- owner (same as the conversation's)
    role            text        not null,                        -- user | assistant
    content         text        not null,                        -- the text
    tool_calls      jsonb,                                       -- assistant: [{tool, arguments, result}]
    job_id          uuid        not null,                        -- the chat job (turn) this message belongs to
    turn_seq        bigint      not null,                        -- the turn's arrival order (chat_jobs.seq)
    created_at      timestamptz not null default now(),          -- creation time
    constraint messages_role_valid check (role in ('user', 'assistant'))
);
-- history and listing walk a conversation by turn order; a user message precedes its reply
create index messages_conversation_turn_idx on messages (conversation_id, turn_seq, created_at);
create unique index messages_one_prompt_per_job_idx on messages (job_id) where role = 'user';
-- the assistant message is unique per job: a redelivered job cannot write a second reply
create unique index messages_one_reply_per_job_idx on messages (job_id) where role = 'assistant';

create table chat_jobs (
    id              uuid        primary key,                     -- job id, also the Nats-Msg-Id
    seq             bigint      generated always as identity unique, -- arrival order, across all jobs
    user_id         text        not null,                        -- owner, the only user the job may touch
    conversation_id uuid        not null references conversations (id) on delete cascade,
    user_message_id uuid        not null references messages (id) on delete cascade
                                deferrable initially deferred,   -- written in the same transaction
    status          text        not null default 'queued',       -- queued | running | succeeded | failed
    attempts        integer     not null default 0,              -- deliveries started
    worker_id       text,                                        -- the worker that took the latest delivery
    error_code      text,                                        -- machine-readable failure reason
    error           text,                                        -- human-readable failure reason
    published_at    timestamptz,                                 -- null until JetStream acknowledged it (outbox)
    created_at      timestamptz not null default now(),          -- accepted by the gateway
    started_at      timestamptz,                                 -- its turn first began (got the conversation's lease)
    finished_at     timestamptz,                                 -- succeeded or failed
    constraint chat_jobs_status_valid check (status in ('queued', 'running', 'succeeded', 'failed')),
    constraint chat_jobs_attempts_non_negative check (attempts >= 0),
    constraint chat_jobs_user_message_unique unique (user_message_id)
);
create index chat_jobs_user_created_idx on chat_jobs (user_id, created_at desc);
-- "is an earlier turn of this conversation still open?"
create index chat_jobs_conversation_seq_idx on chat_jobs (conversation_id, seq);
-- open jobs: the per-user queue bound, and the deadline sweeper
create index chat_jobs_open_user_idx on chat_jobs (user_id) where status in ('queued', 'running');
create index chat_jobs_open_created_idx on chat_jobs (created_at) where status in ('queued', 'running');
-- the outbox relay's sweep: jobs not yet published
create index chat_jobs_unpublished_idx on chat_jobs (created_at) where published_at is null;
alter table messages
    add constraint messages_job_fk foreign key (job_id) references chat_jobs (id) on delete cascade
    deferrable initially deferred;

create table tool_executions (
    job_id     uuid        not null references chat_jobs (id) on delete cascade, -- the turn
    call_id    text        not null,                             -- the model's tool call id
    step       integer     not null,                             -- agent loop step that made the call
    position   integer     not null,                             -- order of the call within its step
    tool       text        not null,                             -- tool name
    arguments  jsonb       not null,                             -- arguments as the model gave them (a JSON string when unparsable)
    ok         boolean     not null,                             -- false when the result is a tool error
    result     jsonb       not null,                             -- recorded result, replayed on redelivery
    created_at timestamptz not null default now(),               -- when the effect happened
    primary key (job_id, call_id)
);
