# The portal image: the same steps as the Makefile's venv target, plus collectstatic and gunicorn.
# Web:    docker run ... ncsup                      (gunicorn on :8000)
# Worker: docker run ... ncsup celery -A ncsup worker --loglevel=info
# Beat:   docker run ... ncsup celery -A ncsup beat --loglevel=info
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's system libraries (pango, harfbuzz) and fonts for the invoice PDFs (with an emoji
# fallback, so a name with an emoji prints it rather than an empty box).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core fonts-noto-color-emoji \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
COPY ncsup ncsup
COPY core core
COPY members members
COPY billing billing
COPY collaboratives collaboratives
COPY spc spc
COPY devdata devdata
RUN python -m pip install --quiet --upgrade pip && python -m pip install --quiet .

COPY . .
RUN DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && useradd --create-home ncsup && mkdir -p /app/media && chown ncsup /app/media
USER ncsup

EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py createcachetable && gunicorn ncsup.wsgi:application --bind 0.0.0.0:8000 --workers 3 --access-logfile -"]
