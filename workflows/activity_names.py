"""Activity names shared by the workflow (which must not import activity code) and the worker."""

LOAD_PLAYBOOK = "load_playbook"
RECORD_MILESTONE = "record_milestone"
RECORD_PROGRESS = "record_progress"
SCORE_HEALTH = "score_health"
SEND_NUDGE_EMAIL = "send_nudge_email"
POST_INAPP_NUDGE = "post_inapp_nudge"
