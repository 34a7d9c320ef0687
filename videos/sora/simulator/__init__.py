"""The built-in simulator of OpenAI's ``/v1/videos`` contract (``/work/shared/openai-videos-api.md``, section 8).

Mounted at ``/sim/v1/`` when ``SORA_SIMULATOR`` is on. Same paths as the real API, without trailing slashes:
``POST|GET videos``, ``GET|DELETE videos/{id}``, ``GET videos/{id}/content?variant=video|thumbnail|spritesheet``,
``POST videos/{id}/remix``, ``POST videos/edits``, ``POST videos/extensions``, ``POST videos/characters``,
``GET videos/characters/{id}``; anything else under ``/sim/v1/`` is a 404 envelope.

Also mounted at ``/sim/<profile>/v1/``: the same simulator answering as another server that speaks (parts of) the
contract (vllm-omni, sglang, a new-api-like relay, other status words, very long ids). The behaviour table and its
sources are in ``profiles.py``; request parsing per server in ``dialects.py``, video objects in ``payloads.py``,
error shapes in ``errors.py``. What follows describes the contract profile (``openai``).

Input limits (every profile, ``bodies.py``): JSON bodies up to the contract's 20,971,520-character ``image_url``
(read in chunks, not under DATA_UPLOAD_MAX_MEMORY_SIZE); multipart files streamed to temporary files, 20 MiB for an
image, 100 MiB for a video clip; text with NUL characters or unpaired surrogates is a 400; a reference image is
judged from its header (format, pixels) before anything is decoded.

Behaviour (choices where the contract says [UNVERIFIED] are marked *choice*):
- ``Authorization: Bearer <key>``; any non-empty key unless ``SIM_API_KEYS`` lists keys. Each key sees only its
  own jobs; keys are stored as SHA-256 digests only.
- Create/remix/edit/extension return 200 with a ``queued`` job. Status follows the clock: queued for the first
  10 % of the render time, then ``in_progress`` with monotonic progress (capped at 99 until the media exist),
  then ``completed`` (``expires_at = completed_at + SIM_ASSET_TTL_SECONDS``) or ``failed``
  (``error: {code, message}``, ``completed_at`` set, no content).
- Media: a real H.264 (yuv420p) + AAC MP4 of exactly the requested size and seconds, a WebP thumbnail (frame at
  1 s) and a JPEG spritesheet (catalog ``SPRITESHEET_COLUMNS`` x ``SPRITESHEET_ROWS`` tiles of
  ``SPRITESHEET_TILE_WIDTH`` px, time order). Files live in ``SIM_MEDIA_DIR``/<video id>/.
- Content before completion: 404 "Video is not ready yet…"; of a failed job: 404; after ``expires_at``: **404**
  with a message saying the content expired (*choice*), and the files are removed.
- Delete: completed or failed jobs only, else 400 ``param: video_id`` (*choice*). Remix: completed sources only,
  else 400 ``param: video_id`` (*choice*); the child inherits model, size and seconds.
- List: newest first by default (*choice*), ``limit`` 0..100 (default 20), ``order`` asc|desc, ``after`` must be
  one of the key's ids, else 400 ``param: after`` (*choice*).
- Edits with ``video: {"id"}`` inherit from the source and set ``remixed_from_video_id`` (*choice*); an uploaded
  MP4 needs ``model``. Extensions add ``seconds`` to the source (stitched total as ``seconds``, at most 120).
  ``input_reference.image_url`` http(s) URLs and ``file_id`` are accepted but never fetched (*choice*: no SSRF,
  no Files API); data URLs are checked like uploads.
- Every response has ``x-request-id: req_…``; a retrieve of an unfinished job has ``openai-poll-after-ms``.

Rendering never blocks a request: a create starts a daemon thread after commit. A job's lease (a conditional
UPDATE) decides who renders it, so any process answering a retrieve/list/content for a job whose renderer died
restarts it, and no job is rendered twice at once. Faults: ``faults.py`` (one-shot queue + random rate).
Webhooks: ``webhooks.py``.

Settings (read with ``getattr`` defaults, so tests can override them):

==============================  ==========  ==========================================================
``SIM_RENDER_SECONDS``          12.0        seconds from create to completion (0 = as fast as rendering)
``SIM_API_KEYS``                []          accepted keys; empty = any non-empty key
``SIM_MAX_IN_FLIGHT``           0           queued/in-progress jobs per key, beyond which create is 429
                                            ``rate_limit_exceeded`` (0 = unlimited)
``SIM_FAULT_RATE``              0.0         0..1 chance per request of a random fault: 429 (retry-after,
                                            retry-after-ms), 500, 503, a 1-3 s delay, a cut-off download;
                                            a quarter of that rate also fails new jobs (``internal_error``)
``SIM_MODERATION_WORDS``        [...]       a prompt containing one fails halfway with ``moderation_blocked``
``SIM_REMIX_WINDOW_HOURS``      0           remix only this long after the source's creation (0 = off)
``SIM_ASSET_TTL_SECONDS``       3600        ``expires_at - completed_at``; content is 404 afterwards
``SIM_WEBHOOK_URL``             ""          where to POST ``video.completed`` / ``video.failed`` events
``SIM_WEBHOOK_SECRET``          (*)         ``whsec_`` signing secret; without one no webhook is sent
``SIM_WEBHOOK_BACKOFF_SECONDS`` 5.0         first retry delay, doubled per attempt (same webhook-id)
``SIM_WEBHOOK_MAX_ATTEMPTS``    8           attempts per event before giving up
``SIM_MEDIA_DIR``               DATA_DIR/simulator   where media files are written
``SIM_FPS``                     8           frame rate of the rendered MP4
``SIM_POLL_AFTER_MS``           (derived)   ``openai-poll-after-ms``; default render time / 10, 100..10000
``SIM_VLLM_OMNI_MODEL``         Wan-AI/...  the one model the vllm-omni profile serves
==============================  ==========  ==========================================================

(*) ``OPENAI_WEBHOOK_SECRET``, so the studio verifies what the simulator signs.
"""
