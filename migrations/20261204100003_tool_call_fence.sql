-- A tool call's effect runs only for the delivery that is the job's latest attempt. A worker
-- that stalls past its lease and the queue's ack wait (a paused VM, SIGSTOP) and then resumes
-- would otherwise run its pending calls while the redelivery runs the same turn: with random
-- call ids (every real model) an add could happen twice. The statement that runs a call and
-- records it calls this; raising aborts the whole statement, effect included.
create function taskwire_fence(job uuid, attempt integer) returns boolean
language plpgsql volatile as $$
begin
    if not exists (select 1 from chat_jobs where id = job and attempts = attempt) then
        raise exception 'attempt % of job % has been superseded', attempt, job
            using errcode = 'TWF01';
    end if;
    return true;
end
$$;
