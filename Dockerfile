# The image each release publishes to the project's container registry (built without a Docker
# daemon by the release pipeline's buildah job). It has cilint installed: use it as the component's
# `image` with `install: none`.
FROM python:3.12-slim
COPY . /src
RUN python -m pip install --no-cache-dir /src && rm -rf /src \
    && useradd --create-home cilint
USER cilint
WORKDIR /work
CMD ["cilint", "--help"]
