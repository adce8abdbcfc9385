# EventLayer server on the embedded chDB store. The SDK and overlay bundles are committed inside the Python
# package, so the image needs no Node.js.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    EVENTLAYER_HOST=0.0.0.0 \
    EVENTLAYER_PORT=8000 \
    EVENTLAYER_DATA=/data

RUN useradd --create-home --uid 10001 eventlayer \
    && mkdir -p /data \
    && chown eventlayer:eventlayer /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY server ./server
RUN pip install --no-cache-dir .

USER eventlayer
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"

# SIGTERM makes the server stop accepting, flush every buffered event and close sockets with 1012.
STOPSIGNAL SIGTERM
CMD ["eventlayer", "serve"]
