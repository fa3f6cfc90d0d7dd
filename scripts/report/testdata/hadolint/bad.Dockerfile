FROM debian
RUN apt-get install curl
USER root
