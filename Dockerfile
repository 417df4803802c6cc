FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY roadmap_site roadmap_site
COPY surveys surveys
COPY scoring scoring
COPY roadmaps roadmaps
RUN pip install --no-cache-dir .
COPY . .
EXPOSE 8000
