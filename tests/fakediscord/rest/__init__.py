"""The fake's REST API (aiohttp routes under ``/api/v10``)."""
