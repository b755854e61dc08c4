-- A job takes its conversation's turn only when no earlier job of the conversation is open.
-- That probe read either every earlier job of the conversation through
-- chat_jobs_conversation_seq_idx (a long conversation: thousands of heap fetches per turn) or
-- every open job of every user through chat_jobs_open_created_idx, whichever the statistics
-- of the moment favoured. This index holds exactly the open jobs of each conversation.
create index chat_jobs_open_conversation_idx on chat_jobs (conversation_id, seq)
    where status in ('queued', 'running');
-- The deadline sweeper and the open-jobs gauge read all open jobs; the partial index by
-- user serves them as well.
drop index chat_jobs_open_created_idx;
