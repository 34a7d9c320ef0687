"""The Team API's OpenAPI 3.1 description, written by hand (a test checks every /v1 route is described)."""

from __future__ import annotations

from videos.sora.catalog import CONTENT

VIDEO_ID = {"name": "video_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^video_[0-9a-f]{48}$"}}
CHARACTER_ID = {"name": "character_id", "in": "path", "required": True,
                "schema": {"type": "string", "pattern": "^char_[0-9a-f]{40}$"}}  # fmt: skip


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(_ref("ErrorResponse"), "A body or query that breaks the contract (nothing is created)."),
    "401": _json(_ref("ErrorResponse"), "A missing, malformed, unknown, revoked or expired token, or one whose user "
                                        "is deactivated or no longer in its project."),
    "403": _json(_ref("ErrorResponse"), "A read-only token writing, or a role too weak (viewers cannot write)."),
    "404": _json(_ref("ErrorResponse"), "No such video (or character) in the token's project."),
    "429": _json(_ref("ErrorResponse"), "The token's rate limit (with retry-after), or a quota refusal (type "
                                        "insufficient_quota; the code and message name the limit, what is left and "
                                        "when it resets)."),
}  # fmt: skip
VIDEO_HEADERS = {
    "openai-poll-after-ms": {
        "description": "While the video is queued or in progress: when the studio will next know more (its own "
        "polling), in milliseconds.",
        "schema": {"type": "integer"},
    }
}


def _video_answer() -> dict:
    return {**_json(_ref("Video"), "The video."), "headers": VIDEO_HEADERS}


def _op(op_id: str, summary: str, *, body: dict | None = None, params: list | None = None, ok: dict | None = None):
    operation = {
        "operationId": op_id,
        "summary": summary,
        "security": [{"bearer": []}],
        "responses": {"200": ok or _video_answer(), **ERRORS},
    }
    if params:
        operation["parameters"] = params
    if body:
        operation["requestBody"] = {"required": True, "content": body}
    return operation


def _prompt() -> dict:
    return {"type": "string", "minLength": 1, "maxLength": 32000}


def description(server_url: str) -> dict:
    create_fields = {
        "prompt": _prompt(),
        "model": {"type": "string", "description": "A model the studio offers (default sora-2)."},
        "size": {"type": "string", "examples": ["720x1280", "1280x720"]},
        "seconds": {"type": "string", "examples": ["4", "8", "12"], "description": "A string, never an integer."},
        "remix_video_id": {"type": "string", "description": "A video of the project: the create is its remix."},
    }
    cast_refs = {"type": "array", "maxItems": 2, "items": {"type": "object", "required": ["id"], "properties": {
        "id": {"type": "string", "pattern": "^char_[0-9a-f]{40}$"}}, "additionalProperties": False},
        "description": "Up to 2 characters of the project's cast (their char_ ids), on a model whose provider has "
        "characters."}  # fmt: skip
    create_json = {
        "type": "object",
        "required": ["prompt"],
        "additionalProperties": False,
        "properties": {**create_fields, "characters": cast_refs, "input_reference": {
            "type": "object", "description": "A data URL (image_url), the size of the video.",
            "properties": {"image_url": {"type": "string"}}, "additionalProperties": False}},
    }  # fmt: skip
    create_multipart = {
        "type": "object",
        "required": ["prompt"],
        "properties": {**create_fields, "input_reference": {"type": "string", "format": "binary", "description":
                       "A JPEG, PNG or WebP exactly the size of the video (the first frame)."},
                       "characters": {"type": "string", "description": "The characters as JSON text "
                                      '([{"id": "char_..."}], at most 2); the SDK\'s extra_body form '
                                      "characters[][id] (once per character) is taken too."}},
    }  # fmt: skip
    child_ref = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}},
                 "additionalProperties": False}  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sora Studio Team API",
            "version": "1.0.0",
            "description": "The OpenAI videos contract (/v1/videos), served by the studio to its members with a "
            "personal API token: the studio applies roles, quotas and fair scheduling, records every video in the "
            "project's gallery and serves its own archived files. Point the official openai SDK at this server "
            "with base_url and the token as api_key.",
        },
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A personal API "
                                "token (sst_...), made on the studio's settings page or with create_api_token."}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["message", "type", "param", "code"],
                    "properties": {
                        "message": {"type": "string"},
                        "type": {"type": "string"},
                        "param": {"type": ["string", "null"]},
                        "code": {"type": ["string", "null"]},
                    },
                },
                "ErrorResponse": {"type": "object", "required": ["error"], "properties": {"error": _ref("Error")}},
                "Video": {
                    "type": "object",
                    "required": ["id", "object", "model", "status", "progress", "created_at", "completed_at",
                                 "expires_at", "prompt", "size", "seconds", "remixed_from_video_id", "error"],
                    "properties": {
                        "id": {"type": "string", "pattern": "^video_[0-9a-f]{48}$"},
                        "object": {"const": "video"},
                        "model": {"type": "string"},
                        "status": {"enum": ["queued", "in_progress", "completed", "failed"]},
                        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
                        "created_at": {"type": "integer"},
                        "completed_at": {"type": ["integer", "null"]},
                        "expires_at": {"type": ["integer", "null"], "description": "Always null: the studio keeps "
                                       "its archive."},
                        "prompt": {"type": ["string", "null"]},
                        "size": {"type": "string"},
                        "seconds": {"type": "string"},
                        "remixed_from_video_id": {"type": ["string", "null"]},
                        "error": {"type": ["object", "null"], "properties": {"code": {"type": "string"},
                                  "message": {"type": "string"}}},
                        "metadata": {"type": "object", "additionalProperties": {"type": "string"}, "description":
                                     "The studio's organising: title, tags (separated by commas) and favourite "
                                     "(\"true\" when the token's owner starred the video)."},
                    },
                },  # fmt: skip
                "VideoList": {
                    "type": "object",
                    "required": ["object", "data", "first_id", "last_id", "has_more"],
                    "properties": {
                        "object": {"const": "list"},
                        "data": {"type": "array", "items": _ref("Video")},
                        "first_id": {"type": ["string", "null"]},
                        "last_id": {"type": ["string", "null"]},
                        "has_more": {"type": "boolean"},
                    },
                },
                "Character": {
                    "type": "object",
                    "required": ["id", "name", "created_at"],
                    "properties": {"id": {"type": "string", "pattern": "^char_[0-9a-f]{40}$", "description":
                                          "The studio's own id (never a provider's)."},
                                   "name": {"type": "string"}, "created_at": {"type": "integer"}},
                },  # fmt: skip
                "DeletedVideo": {
                    "type": "object",
                    "required": ["id", "object", "deleted"],
                    "properties": {"id": {"type": "string"}, "object": {"const": "video.deleted"},
                                   "deleted": {"const": True}},
                },  # fmt: skip
            },
        },
        "paths": {
            "/videos": {
                "post": _op("createVideo", "Create a video (or, with remix_video_id, remix one).", body={
                    "application/json": {"schema": create_json},
                    "multipart/form-data": {"schema": create_multipart}}),
                "get": _op("listVideos", "The project's videos, newest first by default.", params=[
                    {"name": "after", "in": "query", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 100,
                                                                "default": 20}},
                    {"name": "order", "in": "query", "schema": {"enum": ["asc", "desc"], "default": "desc"}},
                    {"name": "tag", "in": "query", "schema": {"type": "string", "maxLength": 50},
                     "description": "Only videos carrying this tag (any case)."},
                    {"name": "favourite", "in": "query", "schema": {"enum": ["true", "false"]},
                     "description": "true: only the token owner's favourites; false: only the others."},
                ], ok=_json(_ref("VideoList"))),
            },
            "/videos/{video_id}": {
                "get": _op("getVideo", "A video's latest state.", params=[VIDEO_ID]),
                "delete": _op("deleteVideo", "Delete a completed or failed video and its archived files.",
                              params=[VIDEO_ID], ok=_json(_ref("DeletedVideo"))),
            },
            "/videos/{video_id}/content": {
                "get": _op("retrieveVideoContent", "Download a file of a completed video from the studio's archive "
                           "(404 until it is archived; byte ranges are honoured).", params=[
                               VIDEO_ID, {"name": "variant", "in": "query", "schema": {"enum": list(CONTENT),
                                                                                       "default": "video"}}],
                           ok={"description": "The file.", "content": {mime: {"schema": {"type": "string",
                               "format": "binary"}} for mime, _ in CONTENT.values()}}),
            },
            "/videos/{video_id}/remix": {
                "post": _op("createVideoRemix", "Remix a completed video (same model, size and length).",
                            params=[VIDEO_ID], body={"application/json": {"schema": {
                                "type": "object", "required": ["prompt"], "properties": {"prompt": _prompt()}}}}),
            },
            "/videos/edits": {
                "post": _op("createVideoEdit", "Edit a completed video (where its provider has edits).", body={
                    "application/json": {"schema": {"type": "object", "required": ["prompt", "video"],
                                                    "properties": {"prompt": _prompt(), "video": child_ref}}}}),
            },
            "/videos/extensions": {
                "post": _op("createVideoExtend", "Extend a completed video (where its provider has extensions); "
                            "the result's seconds are the stitched total.", body={
                    "application/json": {"schema": {"type": "object", "required": ["prompt", "video", "seconds"],
                                                    "properties": {"prompt": _prompt(), "video": child_ref,
                                                                   "seconds": {"enum": ["4", "8", "12", "16", "20"]}}}}}),
            },
            "/videos/characters": {
                "post": _op("createVideoCharacter", "Add a character to the token's project's cast from an MP4 clip "
                            "(2-4 s, 16:9 or 9:16, 720p-1080p, within the cast's size cap); taken when some provider "
                            "of the studio has characters, and sent to a provider on the first video there that "
                            "uses it.", body={"multipart/form-data": {"schema": {
                                "type": "object", "required": ["name", "video"], "properties": {
                                    "name": {"type": "string", "minLength": 1, "maxLength": 80},
                                    "video": {"type": "string", "format": "binary"}}}}},
                            ok=_json(_ref("Character"), "The character.")),
            },
            "/videos/characters/{character_id}": {
                "get": _op("getVideoCharacter", "A character of the token's project.", params=[CHARACTER_ID],
                           ok=_json(_ref("Character"), "The character.")),
            },
            "/openapi.json": {
                "get": {"operationId": "getOpenApi", "summary": "This description.", "security": [],
                        "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}}},
            },
        },  # fmt: skip
    }
