"""Facts several checks share: a job's commands and hosts, dind setups, runners and the jobs they run."""
