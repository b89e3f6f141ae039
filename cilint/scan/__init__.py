"""`cilint scan`: every project of a GitLab group, a list or the instance, through the API, without clones.
Imported only by that command."""
